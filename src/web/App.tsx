import { Navigate, Route, Routes } from 'react-router';
import { RequireRole, RequireSession } from './layout/guards.tsx';
import { SettingsLayout } from './layout/SettingsLayout.tsx';
import { AuditPage } from './pages/audit/AuditPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { NotFoundPage } from './pages/StatusPages.tsx';
import { TokensPage } from './pages/tokens/TokensPage.tsx';
import { UsersPage } from './pages/users/UsersPage.tsx';
import { paths } from './paths.ts';

export function App() {
  return (
    <Routes>
      <Route path={paths.signIn} element={<SignInPage />} />
      <Route element={<RequireSession />}>
        <Route element={<SettingsLayout />}>
          <Route index element={<Navigate to={paths.personalTokens} replace />} />
          <Route path="/settings" element={<Navigate to={paths.personalTokens} replace />} />
          <Route path="/settings/access-tokens" element={<Navigate to={paths.personalTokens} replace />} />
          <Route path={paths.personalTokens} element={<TokensPage key="personal" kind="personal" />} />
          <Route
            path={paths.serviceTokens}
            element={
              <RequireRole minRole="admin" what="Service tokens">
                <TokensPage key="service" kind="service" />
              </RequireRole>
            }
          />
          <Route
            path={paths.users}
            element={
              <RequireRole minRole="manager" what="Users">
                <UsersPage />
              </RequireRole>
            }
          />
          <Route
            path={paths.audit}
            element={
              <RequireRole minRole="admin" what="The audit log">
                <AuditPage />
              </RequireRole>
            }
          />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Route>
    </Routes>
  );
}
