import {
  FileDoneOutlined,
  FileAddOutlined,
  OrderedListOutlined,
  TeamOutlined,
} from '@ant-design/icons';
import { type AppRoute } from '../../routes';
import { OrderDetailPage } from './OrderDetailPage';
import { OrdersPage } from './OrdersPage';
import { PatientsPage } from './PatientsPage';
import { PlaceOrderPage } from './PlaceOrderPage';
import { ReportPage } from './ReportPage';
import { ReportsPage } from './ReportsPage';

const CLINIC = ['clinic-doctor'] as const;

/** The clinic doctor's pages (for member clinics without their own HIS). */
export const routes: AppRoute[] = [
  {
    path: '/clinic/new-order',
    element: <PlaceOrderPage />,
    roles: CLINIC,
    menu: { label: 'clinic:nav.newOrder', icon: <FileAddOutlined />, order: 1 },
  },
  {
    path: '/clinic/orders',
    element: <OrdersPage />,
    roles: CLINIC,
    menu: { label: 'clinic:nav.orders', icon: <OrderedListOutlined />, order: 2 },
  },
  { path: '/clinic/orders/:id', element: <OrderDetailPage />, roles: CLINIC },
  {
    path: '/clinic/reports',
    element: <ReportsPage />,
    roles: CLINIC,
    menu: { label: 'clinic:nav.reports', icon: <FileDoneOutlined />, order: 3 },
  },
  { path: '/clinic/reports/:id', element: <ReportPage />, roles: CLINIC },
  {
    path: '/clinic/patients',
    element: <PatientsPage />,
    roles: CLINIC,
    menu: { label: 'clinic:nav.patients', icon: <TeamOutlined />, order: 4 },
  },
];
