import { ScanOutlined } from '@ant-design/icons';
import { ReadingWorklist } from '../../components/reading/ReadingWorklist';
import { type AppRoute } from '../../routes';
import { ImagingReadingPage } from './ImagingReadingPage';

/** Modalities the imaging worklist filters by (DICOM modality codes). */
const MODALITIES = ['CT', 'MR', 'DX', 'CR', 'US', 'MG'];

/** The imaging centre's pages (影像中心): the radiologists' worklist and reading screen. */
export const routes: AppRoute[] = [
  {
    path: '/imaging',
    element: <ReadingWorklist centre="imaging" modalities={MODALITIES} />,
    roles: ['radiologist'],
    menu: { label: 'imaging:nav.worklist', icon: <ScanOutlined />, order: 10 },
  },
  {
    path: '/imaging/:orderId',
    element: <ImagingReadingPage />,
    roles: ['radiologist'],
  },
];
