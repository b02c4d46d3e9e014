import { BarcodeOutlined, ExperimentOutlined } from '@ant-design/icons';
import { type AppRoute } from '../../routes';
import { SpecimenPage } from './SpecimenPage';
import { VerificationPage } from './VerificationPage';

/** The lab centre's pages: verification (lab physicians; technicians may look) and specimen receipt. */
export const routes: AppRoute[] = [
  {
    path: '/lab/verification',
    element: <VerificationPage />,
    roles: ['lab-doctor', 'lab-tech'],
    menu: { label: 'lab:nav.verification', icon: <ExperimentOutlined />, order: 40 },
  },
  {
    path: '/lab/specimens',
    element: <SpecimenPage />,
    roles: ['lab-tech', 'lab-doctor'],
    menu: { label: 'lab:nav.specimens', icon: <BarcodeOutlined />, order: 41 },
  },
];
