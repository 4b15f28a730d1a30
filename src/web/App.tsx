import { Navigate, Route, Routes } from 'react-router';
import { AccountPage } from './account/AccountPage.tsx';
import { AuditPage } from './audit/AuditPage.tsx';
import { RequireRole, RequireSession } from './layout/guards.tsx';
import { SettingsLayout } from './layout/SettingsLayout.tsx';
import { NotFoundPage } from './layout/StatusPages.tsx';
import { WebhooksPage } from './notifications/WebhooksPage.tsx';
import { paths } from './paths.ts';
import { SignInPage } from './session/SignInPage.tsx';
import { SsoErrorPage } from './session/SsoErrorPage.tsx';
import { LeakedSecretsPage } from './tokens/LeakedSecretsPage.tsx';
import { ScopesPage } from './tokens/ScopesPage.tsx';
import { TokenPage } from './tokens/TokenPage.tsx';
import { TokenPolicyPage } from './tokens/TokenPolicyPage.tsx';
import { TokensPage } from './tokens/TokensPage.tsx';
import { UsersPage } from './users/UsersPage.tsx';

export function App() {
  return (
    <Routes>
      <Route path={paths.signIn} element={<SignInPage />} />
      <Route path={paths.ssoError} element={<SsoErrorPage />} />
      <Route element={<RequireSession />}>
        <Route element={<SettingsLayout />}>
          <Route index element={<Navigate to={paths.personalTokens} replace />} />
          <Route path="/settings" element={<Navigate to={paths.personalTokens} replace />} />
          <Route path="/settings/access-tokens" element={<Navigate to={paths.personalTokens} replace />} />
          <Route path={paths.personalTokens} element={<TokensPage key="personal" kind="personal" />} />
          <Route
            path={`${paths.personalTokens}/:id`}
            element={<TokenPage key="personal" kind="personal" />}
          />
          <Route
            path={`${paths.serviceTokens}/:id`}
            element={
              <RequireRole minRole="admin" what="Service tokens">
                <TokenPage key="service" kind="service" />
              </RequireRole>
            }
          />
          <Route path={paths.account} element={<AccountPage />} />
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
          <Route
            path={paths.leakedSecrets}
            element={
              <RequireRole minRole="admin" what="Revoke leaked secrets">
                <LeakedSecretsPage />
              </RequireRole>
            }
          />
          <Route
            path={paths.tokenPolicy}
            element={
              <RequireRole minRole="admin" what="The token policy">
                <TokenPolicyPage />
              </RequireRole>
            }
          />
          <Route
            path={paths.webhooks}
            element={
              <RequireRole minRole="admin" what="Webhooks">
                <WebhooksPage />
              </RequireRole>
            }
          />
          <Route
            path={paths.scopes}
            element={
              <RequireRole minRole="admin" what="Scopes">
                <ScopesPage />
              </RequireRole>
            }
          />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Route>
    </Routes>
  );
}
