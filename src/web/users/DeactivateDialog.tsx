import { CircleAlert } from 'lucide-react';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { displayName } from '../../core/names.ts';
import { isApiError } from '../api/client.ts';
import type { Account } from '../api/types.ts';
import { paths } from '../paths.ts';
import { Button } from '../ui/Button.tsx';
import { Dialog, DialogForm } from '../ui/Dialog.tsx';
import { useToast } from '../ui/Toast.tsx';
import { useSetActive } from './api.ts';
import { useStoredTokenCount } from './trust-policies-api.ts';

const CONFIRM_WORD = 'deactivate';

/**
 * Deactivate behind typing `deactivate`. A service user that still has active tokens is told so at once,
 * with a link to those tokens; if one was generated meanwhile, the server's refusal (409 `active_tokens`)
 * stays in the dialog the same way.
 */
export function DeactivateDialog({
  account,
  onOpenChange,
}: {
  account: Account | null;
  onOpenChange(open: boolean): void;
}) {
  const ids = useId();
  const deactivate = useSetActive();
  const toast = useToast();
  const [typed, setTyped] = useState('');
  // Federated tokens (keyless CI) do not hold deactivation back: deactivation revokes them.
  const storedTokens = useStoredTokenCount(account);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a fresh confirmation each time it opens.
  useEffect(() => {
    setTyped('');
    deactivate.reset();
  }, [account?.id]);

  if (!account) return <Dialog open={false} onOpenChange={onOpenChange} title="Deactivate" />;
  const label = displayName(account);
  const confirmed = typed.trim().toLowerCase() === CONFIRM_WORD;
  const refusal = deactivate.error;
  const activeTokens = isApiError(refusal, 409) && refusal.code === 'active_tokens';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!confirmed) return;
    deactivate.mutate(
      { id: account.id, active: false },
      {
        onSuccess: () => {
          toast.success(`“${label}” deactivated.`);
          onOpenChange(false);
        },
      },
    );
  };

  const activeTokensLink = `${paths.serviceTokens}?service_user=${encodeURIComponent(account.id)}&status=active`;

  // Said before anything is typed: a service user with active tokens cannot be deactivated yet.
  if (account.kind === 'service' && (storedTokens ?? account.active_token_count) > 0) {
    const count = storedTokens ?? account.active_token_count;
    return (
      <Dialog
        open
        onOpenChange={onOpenChange}
        title={`${label} cannot be deactivated yet`}
        width={500}
        footer={
          <>
            <Button data-autofocus onClick={() => onOpenChange(false)}>
              Close
            </Button>
            <Link
              className="btn btn-primary btn-md"
              to={activeTokensLink}
              onClick={() => onOpenChange(false)}
            >
              Show its active tokens
            </Link>
          </>
        }
      >
        <p className="dialog-text">
          <strong>{label}</strong> still has {count} active token{count === 1 ? '' : 's'}. Revoke{' '}
          {count === 1 ? 'it' : 'them'} first, so that no pipeline stops without someone choosing it; then
          deactivate the service user.
        </p>
      </Dialog>
    );
  }

  return (
    <Dialog
      open
      onOpenChange={onOpenChange}
      busy={deactivate.isPending}
      title={`Deactivate ${label}?`}
      width={500}
    >
      <DialogForm
        label={`Deactivate ${label}`}
        onSubmit={submit}
        pending={deactivate.isPending}
        onCancel={() => onOpenChange(false)}
        submitLabel="Deactivate"
        variant="danger"
        disabled={!confirmed}
      >
        <p className="dialog-text">
          {account.kind === 'human' ? (
            <>
              <strong>{label}</strong> will no longer be able to sign in, and their sessions end.
              {account.active_token_count > 0
                ? ` Their ${account.active_token_count} active personal token${account.active_token_count === 1 ? ' is' : 's are'} revoked (“owner deactivated”).`
                : ''}{' '}
              You can reactivate the account later; no token is restored.
            </>
          ) : (
            <>
              <strong>{label}</strong> is a service user with no active token: none of its tokens will
              authenticate while it is deactivated. You can reactivate it later.
            </>
          )}
        </p>
        {refusal ? (
          <div className="form-error deactivate-refusal" role="alert">
            <CircleAlert size={16} aria-hidden="true" style={{ flex: 'none' }} />
            <span>
              {activeTokens ? <strong>Cannot deactivate yet. </strong> : null}
              {refusal.message}
              {activeTokens ? (
                <>
                  {' '}
                  <Link to={activeTokensLink} onClick={() => onOpenChange(false)}>
                    Show its active tokens
                  </Link>
                </>
              ) : null}
            </span>
          </div>
        ) : null}
        <div className="field" style={{ marginTop: 'var(--space-4)' }}>
          <label className="field-label" htmlFor={`${ids}-confirm`}>
            Type <code className="confirm-word">{CONFIRM_WORD}</code> to confirm
          </label>
          <input
            id={`${ids}-confirm`}
            className="input"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            autoFocus
          />
        </div>
      </DialogForm>
    </Dialog>
  );
}
