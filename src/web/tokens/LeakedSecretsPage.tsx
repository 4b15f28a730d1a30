import { SearchCheck, ShieldAlert } from 'lucide-react';
import { useId, useState } from 'react';
import { displayName } from '../../core/names.ts';
import { findSecrets, MAX_LEAKED_SECRETS, SECRET_PREFIXES } from '../../core/secret.ts';
import { ApiError } from '../api/client.ts';
import { StatusBadge } from '../ui/Badge.tsx';
import { Button } from '../ui/Button.tsx';
import { FieldError } from '../ui/FieldError.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { usePageTitle } from '../ui/page-title.ts';
import { Table, TableMessage } from '../ui/Table.tsx';
import { useToast } from '../ui/Toast.tsx';
import { LastUsedCell } from './cells.tsx';
import { type LeakedSecret, useLeakedLookup, useRevokeLeaked } from './leaked-api.ts';
import './leaked.css';

/** One row: the secret found (by the position it was found at) and what the server says it is. */
interface Found {
  secret: string;
  leaked: LeakedSecret;
}

const masked = (leaked: LeakedSecret) => `${SECRET_PREFIXES[leaked.kind]}…${leaked.hint}`;

/**
 * Revoke leaked secrets (Admins): paste a log or a diff, see what each secret in it is, revoke the chosen
 * ones with the reason "leaked". The text and the secrets live only in this page's memory: they are sent
 * to look up and to revoke, and never stored.
 */
export function LeakedSecretsPage() {
  usePageTitle('Revoke leaked secrets');
  const textId = useId();
  const [text, setText] = useState('');
  const [found, setFound] = useState<Found[] | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | undefined>();
  const lookup = useLeakedLookup();
  const revoke = useRevokeLeaked();
  const toast = useToast();

  const show = (secrets: string[], items: LeakedSecret[]) =>
    secrets.map((secret, i) => ({ secret, leaked: items[i]! }));

  const findIn = () => {
    const secrets = findSecrets(text);
    setFound(null);
    if (secrets.length === 0) {
      setError('No Tessera secret with a valid checksum is in this text.');
      return;
    }
    if (secrets.length > MAX_LEAKED_SECRETS) {
      setError(`This text holds ${secrets.length} secrets; paste at most ${MAX_LEAKED_SECRETS} at a time.`);
      return;
    }
    setError(undefined);
    lookup.mutate(text, {
      onSuccess: ({ items }) => {
        const rows = show(secrets, items);
        setFound(rows);
        setChosen(new Set(rows.filter((r) => r.leaked.token?.status === 'active').map((r) => r.secret)));
      },
      onError: (failure) =>
        failure instanceof ApiError && failure.field === 'text'
          ? setError(failure.fieldMessage)
          : toast.error(failure),
    });
  };

  const revokeChosen = () => {
    const secrets = found?.filter((r) => chosen.has(r.secret)).map((r) => r.secret) ?? [];
    if (secrets.length === 0) return;
    revoke.mutate(secrets, {
      onSuccess: ({ items }) => {
        const updated = new Map(show(secrets, items).map((r) => [r.secret, r.leaked]));
        setFound((rows) => rows?.map((r) => ({ ...r, leaked: updated.get(r.secret) ?? r.leaked })) ?? null);
        setChosen(new Set());
        const count = items.filter((i) => i.revoked).length;
        toast.success(`${count} token${count === 1 ? '' : 's'} revoked as leaked.`);
      },
      onError: (failure) => toast.error(failure),
    });
  };

  const toggle = (secret: string, on: boolean) =>
    setChosen((current) => {
      const next = new Set(current);
      if (on) next.add(secret);
      else next.delete(secret);
      return next;
    });

  return (
    <div className="page">
      <PageHeader
        title="Revoke leaked secrets"
        description={`Paste any text that may hold Tessera secrets — a log, a diff, a chat message. Every well-formed secret in it (at most ${MAX_LEAKED_SECRETS}) is looked up; revoke the ones you choose. Nothing you paste is stored.`}
      />
      <div className="field">
        <label className="field-label" htmlFor={textId}>
          Text with secrets
        </label>
        <textarea
          id={textId}
          className="input leaked-text"
          value={text}
          onChange={(event) => setText(event.target.value)}
          rows={8}
          spellCheck={false}
          autoComplete="off"
          placeholder="Authorization: Bearer tsr_pat_…"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${textId}-error` : undefined}
        />
        <FieldError id={`${textId}-error`} message={error} />
      </div>
      <div className="leaked-actions">
        <Button
          variant="primary"
          icon={<SearchCheck size={16} aria-hidden="true" />}
          busy={lookup.isPending}
          disabled={text.trim() === ''}
          onClick={findIn}
        >
          Find secrets
        </Button>
      </div>

      {found ? (
        <>
          <Table label="Secrets found">
            <thead>
              <tr>
                <th className="col-check">
                  <span className="visually-hidden">Revoke</span>
                </th>
                <th>Secret</th>
                <th>Token</th>
                <th>Owner</th>
                <th>Status</th>
                <th>Last used</th>
              </tr>
            </thead>
            <tbody>
              {found.length === 0 ? (
                <TableMessage columns={6}>No secrets found.</TableMessage>
              ) : (
                found.map(({ secret, leaked }) => {
                  const token = leaked.token;
                  const active = token?.status === 'active';
                  return (
                    <tr key={secret} data-testid="leaked-row">
                      <td className="col-check">
                        <input
                          type="checkbox"
                          aria-label={`Revoke ${masked(leaked)}`}
                          checked={chosen.has(secret)}
                          disabled={!active}
                          onChange={(event) => toggle(secret, event.target.checked)}
                        />
                      </td>
                      <td className="mono">{masked(leaked)}</td>
                      {token ? (
                        <>
                          <td className="cell-primary">{token.name}</td>
                          <td>{displayName(token.owner)}</td>
                          <td>
                            <StatusBadge status={token.status} />
                            {leaked.revoked ? <span className="cell-secondary"> Just now</span> : null}
                          </td>
                          <td>
                            <LastUsedCell token={token} />
                          </td>
                        </>
                      ) : (
                        <td colSpan={4} className="cell-secondary">
                          No token has this secret: never issued, or deleted.
                        </td>
                      )}
                    </tr>
                  );
                })
              )}
            </tbody>
          </Table>
          <div className="leaked-actions">
            <Button
              variant="danger"
              icon={<ShieldAlert size={16} aria-hidden="true" />}
              busy={revoke.isPending}
              disabled={chosen.size === 0}
              onClick={revokeChosen}
            >
              {`Revoke ${chosen.size} selected`}
            </Button>
          </div>
        </>
      ) : null}
    </div>
  );
}
