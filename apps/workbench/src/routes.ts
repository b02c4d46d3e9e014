import { type ReactNode } from 'react';
import { type Role } from './auth';

/**
 * One page of the workbench. Each area declares its pages in `pages/<area>/routes.tsx`
 * (`export const routes: AppRoute[]`); the shell collects them, shows a menu entry for each page
 * with `menu` to the roles that may open it, and sends each person to the first page of theirs.
 */
export interface AppRoute {
  path: string;
  element: ReactNode;
  roles: readonly Role[];
  menu?: {
    /** i18n key of the label (`imaging:nav.worklist`). */
    label: string;
    icon?: ReactNode;
    /** Position in the menu (lower first). */
    order: number;
  };
}
