import { type Me } from './auth';
import { type AppRoute } from './routes';

const modules = import.meta.glob<{ routes: AppRoute[] }>('./pages/*/routes.tsx', { eager: true });

/** Every page of every area. */
export const allRoutes: AppRoute[] = Object.values(modules).flatMap((module) => module.routes);

/** The pages a person may open. */
export function routesFor(me: Me | undefined): AppRoute[] {
  if (!me) return [];
  return allRoutes.filter((route) => route.roles.some((role) => me.roles.includes(role)));
}

/** The menu entries a person sees, in order. */
export function menuFor(me: Me | undefined): AppRoute[] {
  return routesFor(me)
    .filter((route) => route.menu)
    .sort((a, b) => (a.menu?.order ?? 0) - (b.menu?.order ?? 0));
}
