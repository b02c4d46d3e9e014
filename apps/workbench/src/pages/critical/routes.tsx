import { AlertOutlined } from '@ant-design/icons';
import { type AppRoute } from '../../routes';
import { CriticalInboxPage } from './CriticalInboxPage';
import { CriticalTrackingPage } from './CriticalTrackingPage';

/**
 * Critical values (危急值): a clinic doctor's inbox at `/critical` (where the red banner leads),
 * near the top of their menu; the centres' and administrators' tracking of the alerts raised.
 */
export const routes: AppRoute[] = [
  {
    path: '/critical',
    element: <CriticalInboxPage />,
    roles: ['clinic-doctor'],
    menu: { label: 'critical:nav.inbox', icon: <AlertOutlined />, order: 5 },
  },
  {
    path: '/critical/raised',
    element: <CriticalTrackingPage />,
    roles: ['lab-tech', 'lab-doctor', 'radiologist', 'cardiologist', 'pathologist', 'admin'],
    menu: { label: 'critical:nav.tracking', icon: <AlertOutlined />, order: 60 },
  },
];
