import { ExperimentOutlined } from '@ant-design/icons';
import { ReadingWorklist } from '../../components/reading/ReadingWorklist';
import { type AppRoute } from '../../routes';
import { PathologyReadingPage } from './PathologyReadingPage';

/** The pathology centre's pages (病理中心): the pathologists' worklist and reading screen. */
export const routes: AppRoute[] = [
  {
    path: '/pathology',
    element: <ReadingWorklist centre="pathology" />,
    roles: ['pathologist'],
    menu: { label: 'pathology:nav.worklist', icon: <ExperimentOutlined />, order: 30 },
  },
  {
    path: '/pathology/:orderId',
    element: <PathologyReadingPage />,
    roles: ['pathologist'],
  },
];
