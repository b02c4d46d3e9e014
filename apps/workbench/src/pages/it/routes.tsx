import { ApiOutlined, DashboardOutlined, WarningOutlined } from '@ant-design/icons';
import { type AppRoute } from '../../routes';
import { FailedJobsPage } from './FailedJobsPage';
import { Hl7LogPage } from './Hl7LogPage';
import { StatusPage } from './StatusPage';

const IT = ['it-ops', 'admin'] as const;

/** IT operations (运维): the hub's status and queues, failed jobs and their retry, the HL7 log. */
export const routes: AppRoute[] = [
  {
    path: '/it/status',
    element: <StatusPage />,
    roles: IT,
    menu: { label: 'it:nav.status', icon: <DashboardOutlined />, order: 70 },
  },
  {
    path: '/it/failed-jobs',
    element: <FailedJobsPage />,
    roles: IT,
    menu: { label: 'it:nav.failedJobs', icon: <WarningOutlined />, order: 71 },
  },
  {
    path: '/it/hl7',
    element: <Hl7LogPage />,
    roles: IT,
    menu: { label: 'it:nav.hl7', icon: <ApiOutlined />, order: 72 },
  },
];
