import { BarChartOutlined } from '@ant-design/icons';
import { type AppRoute } from '../../routes';
import { ManagementPage } from './ManagementPage';

/** Consortium management (医共体管理): the figures the consortium is assessed on. */
export const routes: AppRoute[] = [
  {
    path: '/management',
    element: <ManagementPage />,
    roles: ['manager', 'admin'],
    menu: { label: 'management:nav.figures', icon: <BarChartOutlined />, order: 80 },
  },
];
