import { HeartOutlined } from '@ant-design/icons';
import { ReadingWorklist } from '../../components/reading/ReadingWorklist';
import { type AppRoute } from '../../routes';
import { EcgReadingPage } from './EcgReadingPage';

/** The ECG centre's pages (心电诊断中心): the cardiologists' worklist and reading screen. */
export const routes: AppRoute[] = [
  {
    path: '/ecg',
    element: <ReadingWorklist centre="ecg" />,
    roles: ['cardiologist'],
    menu: { label: 'ecg:nav.worklist', icon: <HeartOutlined />, order: 20 },
  },
  {
    path: '/ecg/:orderId',
    element: <EcgReadingPage />,
    roles: ['cardiologist'],
  },
];
