import { Result, Spin } from 'antd';
import { type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { type Role, hasRole, useAuth } from './auth';
import { Shell } from './components/Shell';
import { LoginPage } from './pages/LoginPage';
import { allRoutes, menuFor } from './routes-registry';

/** Pages need a session; without one, the sign-in page (coming back here afterwards). */
function RequireSession({ children }: { children: ReactNode }) {
  const { session, me, loading } = useAuth();
  const location = useLocation();
  const { t } = useTranslation();
  if (!session)
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (loading || !me) return <Spin fullscreen tip={t('loading')} />;
  return <>{children}</>;
}

function RoleGate({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const { me } = useAuth();
  const { t } = useTranslation();
  if (!hasRole(me, roles))
    return <Result status="403" title="403" subTitle={t('error.forbidden')} />;
  return <>{children}</>;
}

/** Each person starts on the first page of their menu. */
function Home() {
  const { me } = useAuth();
  const { t } = useTranslation();
  const first = menuFor(me)[0];
  if (!first) return <Result status="info" title={t('noAccessHome')} />;
  return <Navigate to={first.path} replace />;
}

export function App() {
  const { t } = useTranslation();
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireSession>
            <Shell />
          </RequireSession>
        }
      >
        <Route index element={<Home />} />
        {allRoutes.map((route) => (
          <Route
            key={route.path}
            path={route.path}
            element={<RoleGate roles={route.roles}>{route.element}</RoleGate>}
          />
        ))}
        <Route
          path="*"
          element={<Result status="404" title="404" subTitle={t('error.notFound')} />}
        />
      </Route>
    </Routes>
  );
}
