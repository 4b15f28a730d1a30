import { CircleAlert, Trash2 } from 'lucide-react';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { displayName } from '../../core/names.ts';
import { ApiError } from '../api/client.ts';
import type { Account } from '../api/types.ts';
import { Button, IconButton } from '../ui/Button.tsx';
import { Dialog } from '../ui/Dialog.tsx';
import { FieldError } from '../ui/FieldError.tsx';
import { useToast } from '../ui/Toast.tsx';
import {
  type TrustCondition,
  type TrustPolicy,
  useAddTrustPolicy,
  useDeleteTrustPolicy,
  useTrustPolicies,
} from './trust-policies-api.ts';

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

type Field = 'issuer' | 'audience' | 'conditions' | 'lifetime_minutes';

/** A value with `*` or `?` is a glob in the console; the API also takes `match` explicitly. */
function condition(claim: string, value: string): TrustCondition {
  return { claim, value, match: /[*?]/.test(value) ? 'glob' : 'exact' };
}

/** `claim = value` lines, as typed. */
function parseConditions(text: string): TrustCondition[] | string {
  const found: TrustCondition[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const at = line.indexOf('=');
    if (at < 1) return `Write each condition as claim = value: “${line.trim()}” is not.`;
    found.push(condition(line.slice(0, at).trim(), line.slice(at + 1).trim()));
  }
  return found;
}

/**
 * Keyless CI on a service user's entry: its trust policies, each removable, and a form to add one (issuer,
 * audience, the subject and other conditions, the lifetime of issued tokens). docs/KEYLESS-CI.md.
 */
export function TrustPoliciesDialog({
  account,
  onOpenChange,
}: {
  account: Account | null;
  onOpenChange(open: boolean): void;
}) {
  const ids = useId();
  const toast = useToast();
  const policies = useTrustPolicies(account?.id ?? null);
  const add = useAddTrustPolicy(account?.id ?? '');
  const remove = useDeleteTrustPolicy(account?.id ?? '');
  const [issuer, setIssuer] = useState(GITHUB_ISSUER);
  const [audience, setAudience] = useState('');
  const [subject, setSubject] = useState('');
  const [more, setMore] = useState('');
  const [lifetime, setLifetime] = useState('15');
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a clean form for each service user.
  useEffect(() => {
    setIssuer(GITHUB_ISSUER);
    setAudience('');
    setSubject('');
    setMore('');
    setLifetime('15');
    setErrors({});
    setFormError(null);
  }, [account?.id]);

  if (!account) return <Dialog open={false} onOpenChange={onOpenChange} title="Trust policies" />;
  const label = displayName(account);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Partial<Record<Field, string>> = {};
    const extra = parseConditions(more);
    if (typeof extra === 'string') found.conditions = extra;
    if (subject.trim() === '') found.conditions = 'Say which jobs: the subject (sub) is required.';
    const minutes = Number(lifetime);
    if (!Number.isInteger(minutes) || minutes < 5 || minutes > 60)
      found.lifetime_minutes = 'A whole number of minutes from 5 to 60.';
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0 || typeof extra === 'string') return;
    add.mutate(
      {
        issuer: issuer.trim(),
        audience: audience.trim(),
        conditions: [condition('sub', subject.trim()), ...extra],
        lifetime_minutes: minutes,
      },
      {
        onSuccess: () => {
          toast.success('Trust policy added.');
          setSubject('');
          setMore('');
        },
        onError: (error) => {
          const field = error instanceof ApiError ? error.field : undefined;
          const known = field?.startsWith('conditions') ? 'conditions' : field;
          if (
            error instanceof ApiError &&
            known &&
            ['issuer', 'audience', 'conditions', 'lifetime_minutes'].includes(known)
          ) {
            setErrors({ [known]: error.message });
          } else {
            setFormError(error.message);
          }
        },
      },
    );
  };

  const input = (
    field: Field,
    value: string,
    set: (v: string) => void,
    props: Record<string, unknown> = {},
  ) => (
    <>
      <input
        id={`${ids}-${field}`}
        className="input"
        value={value}
        onChange={(e) => set(e.target.value)}
        aria-invalid={errors[field] ? true : undefined}
        aria-describedby={errors[field] ? `${ids}-${field}-error` : undefined}
        autoComplete="off"
        {...props}
      />
      <FieldError id={`${ids}-${field}-error`} message={errors[field]} />
    </>
  );

  return (
    <Dialog
      open
      onOpenChange={onOpenChange}
      busy={add.isPending || remove.isPending}
      title={`Trust policies of ${label}`}
      description="CI jobs these policies trust trade their platform’s OIDC token for a token of this service user that lives minutes: no stored secret."
      width={600}
      footer={<Button onClick={() => onOpenChange(false)}>Close</Button>}
    >
      <ul className="trust-policies" aria-label="Trust policies">
        {policies.isPending ? <li className="field-hint">Loading…</li> : null}
        {policies.data?.items.length === 0 ? (
          <li className="field-hint">None yet: this service user can get tokens only from an Admin.</li>
        ) : null}
        {policies.data?.items.map((policy: TrustPolicy) => (
          <li key={policy.id} className="trust-policy" data-testid="trust-policy">
            <div className="cell-lines">
              <span className="cell-primary mono">{policy.issuer}</span>
              <span className="cell-secondary">
                audience <span className="mono">{policy.audience}</span> · tokens live{' '}
                {policy.lifetime_minutes} min
              </span>
              {policy.conditions.map((c) => (
                <span key={`${c.claim}=${c.value}`} className="cell-secondary mono">
                  {c.claim} {c.match === 'glob' ? '~' : '='} {c.value}
                </span>
              ))}
            </div>
            <IconButton
              label={`Delete the trust policy for ${policy.conditions[0]?.value ?? policy.issuer}`}
              size="sm"
              onClick={() =>
                remove.mutate(policy.id, {
                  onSuccess: () => toast.success('Trust policy deleted.'),
                  onError: (error) => toast.error(error),
                })
              }
            >
              <Trash2 size={15} aria-hidden="true" />
            </IconButton>
          </li>
        ))}
      </ul>

      <form onSubmit={submit} noValidate aria-label="Add a trust policy" className="trust-policy-form">
        <h3 className="field-label">Add a trust policy</h3>
        {formError ? (
          <div className="form-error" role="alert">
            <CircleAlert size={16} aria-hidden="true" />
            {formError}
          </div>
        ) : null}
        <div className="field">
          <label className="field-label" htmlFor={`${ids}-issuer`}>
            Issuer
          </label>
          {input('issuer', issuer, setIssuer)}
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${ids}-audience`}>
            Audience
          </label>
          {input('audience', audience, setAudience, { placeholder: 'e.g. https://tessera.example.com' })}
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${ids}-conditions`}>
            Subject (sub)
          </label>
          {input('conditions', subject, setSubject, {
            placeholder: 'e.g. repo:acme/app:ref:refs/heads/main',
          })}
          <span className="field-hint">* matches any run of characters, ? any one.</span>
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${ids}-more`}>
            Other conditions <span className="field-hint">(optional, one per line: claim = value)</span>
          </label>
          <textarea
            id={`${ids}-more`}
            className="textarea"
            rows={2}
            value={more}
            onChange={(e) => setMore(e.target.value)}
            placeholder="environment = production"
          />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${ids}-lifetime_minutes`}>
            Token lifetime (minutes)
          </label>
          {input('lifetime_minutes', lifetime, setLifetime, {
            type: 'number',
            min: 5,
            max: 60,
            inputMode: 'numeric',
          })}
        </div>
        <Button type="submit" variant="primary" busy={add.isPending}>
          Add trust policy
        </Button>
      </form>
    </Dialog>
  );
}
