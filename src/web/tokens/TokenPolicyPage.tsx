import { CircleAlert, Save } from 'lucide-react';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { displayName } from '../../core/names.ts';
import type { TokenKind } from '../../core/token-kind.ts';
import { type KindPolicy, longestDays, type TokenPolicy } from '../../core/token-policy.ts';
import { ApiError } from '../api/client.ts';
import { paths } from '../paths.ts';
import { Button } from '../ui/Button.tsx';
import { FieldError } from '../ui/FieldError.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { usePageTitle } from '../ui/page-title.ts';
import { useToast } from '../ui/Toast.tsx';
import { LastUsedCell } from './cells.tsx';
import { allowedPresets } from './lifetime.ts';
import { useSaveTokenPolicy, useTokenPolicy, useUnusedTokens } from './policy-api.ts';
import './leaked.css';
import './policy.css';

const KINDS: readonly { kind: TokenKind; label: string }[] = [
  { kind: 'personal', label: 'Personal tokens' },
  { kind: 'service', label: 'Service tokens' },
];

/** The form's text for a number that may be absent. */
const text = (value: number | null) => (value === null ? '' : String(value));
/** A whole number from the form, or null when empty; NaN for anything else, which the server names. */
const numberOrNull = (value: string) => (value.trim() === '' ? null : Number(value));

interface KindForm {
  max_days: string;
  allow_never: boolean;
  default_expires_in_days: string;
  sweep: boolean;
  revoke_unused_after_days: string;
}

const formOf = (policy: KindPolicy): KindForm => ({
  max_days: text(policy.max_days),
  allow_never: policy.allow_never,
  default_expires_in_days:
    policy.default_expires_in_days === null ? 'never' : String(policy.default_expires_in_days),
  sweep: policy.revoke_unused_after_days !== null,
  revoke_unused_after_days: text(policy.revoke_unused_after_days ?? 90),
});

const policyOf = (form: KindForm): KindPolicy => ({
  max_days: numberOrNull(form.max_days),
  allow_never: form.allow_never,
  default_expires_in_days:
    form.default_expires_in_days === 'never' ? null : Number(form.default_expires_in_days),
  revoke_unused_after_days: form.sweep ? numberOrNull(form.revoke_unused_after_days) : null,
});

/** What the sweep would revoke now, for the days in the form: the dry run before an Admin turns it on. */
function SweepPreview({ kind, days }: { kind: TokenKind; days: number | null }) {
  const valid = days !== null && Number.isInteger(days) && days >= 1;
  const unused = useUnusedTokens(kind, valid ? days : null);
  if (!valid) return null;
  if (unused.isPending) return <p className="field-hint">Looking for unused tokens…</p>;
  if (unused.isError) return <p className="field-hint">{unused.error.message}</p>;
  const items = unused.data.items;
  return (
    <div className="sweep-preview" data-testid={`sweep-preview-${kind}`}>
      <p className="field-hint">
        {items.length === 0
          ? `No active ${kind} token is unused for ${days} days: the sweep would revoke nothing now.`
          : `The sweep would revoke ${items.length}${unused.data.next_cursor ? '+' : ''} ${kind} token${items.length === 1 ? '' : 's'} now, with the reason “unused for ${days} days”:`}
      </p>
      {items.length > 0 ? (
        <ul className="sweep-list">
          {items.map((token) => (
            <li key={token.id} data-testid="sweep-row">
              <span className="cell-primary">{token.name}</span>
              <span className="cell-secondary"> · {displayName(token.owner)} · </span>
              <LastUsedCell token={token} />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * Settings → Security → Token policy (Admins): per kind, the longest lifetime, whether Never is allowed,
 * the preselected expiration, and the inactivity sweep with its dry run.
 */
export function TokenPolicyPage() {
  usePageTitle('Token policy');
  const ids = useId();
  const policy = useTokenPolicy();
  const save = useSaveTokenPolicy();
  const toast = useToast();
  const [form, setForm] = useState<Record<TokenKind, KindForm> | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);

  useEffect(() => {
    if (policy.data && !form)
      setForm({ personal: formOf(policy.data.personal), service: formOf(policy.data.service) });
  }, [policy.data, form]);

  if (policy.isError) return <div className="page">{policy.error.message}</div>;
  if (!form || !policy.data) return <div className="page" aria-busy="true" />;
  const exceeding = policy.data.exceeding;

  const change = (kind: TokenKind, patch: Partial<KindForm>) => {
    setForm({ ...form, [kind]: { ...form[kind], ...patch } });
    setErrors({});
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next: TokenPolicy = { personal: policyOf(form.personal), service: policyOf(form.service) };
    setFormError(null);
    save.mutate(next, {
      onSuccess: (saved) => {
        setForm({ personal: formOf(saved.personal), service: formOf(saved.service) });
        toast.success('Token policy saved.');
      },
      onError: (error) => {
        if (error instanceof ApiError && error.field) {
          setErrors({ [error.field]: error.fieldMessage });
          document.getElementById(`${ids}-${error.field}`)?.focus();
        } else setFormError(error.message);
      },
    });
  };

  return (
    <div className="page">
      <PageHeader
        title="Token policy"
        description="How long new tokens may live, what Generate Token preselects, and whether unused tokens are revoked. Tightening the policy changes no existing token."
      />
      <form onSubmit={submit} noValidate aria-label="Token policy">
        {formError ? (
          <div className="form-error" role="alert">
            <CircleAlert size={16} aria-hidden="true" />
            {formError}
          </div>
        ) : null}
        {KINDS.map(({ kind, label }) => {
          const values = form[kind];
          const field = (name: string) => `${ids}-${kind}.${name}`;
          const rule = policyOf(values);
          const presets = allowedPresets({
            ...rule,
            max_days: Number.isInteger(rule.max_days) ? rule.max_days : null,
          });
          const count = exceeding?.[kind] ?? 0;
          const listPath = `${kind === 'service' ? paths.serviceTokens : paths.personalTokens}?exceeds_policy=1`;
          return (
            <fieldset key={kind} className="policy-kind" aria-label={label}>
              <legend className="policy-legend">{label}</legend>
              <div className="field">
                <label className="field-label" htmlFor={field('max_days')}>
                  Longest lifetime (days)
                </label>
                <input
                  id={field('max_days')}
                  className="input policy-number"
                  inputMode="numeric"
                  value={values.max_days}
                  placeholder="No limit (365)"
                  onChange={(e) => change(kind, { max_days: e.target.value })}
                  aria-invalid={errors[`${kind}.max_days`] ? true : undefined}
                />
                <FieldError id={`${field('max_days')}-error`} message={errors[`${kind}.max_days`]} />
              </div>
              <div className="field">
                <label className="checkbox">
                  <input
                    id={field('allow_never')}
                    type="checkbox"
                    checked={values.allow_never}
                    onChange={(e) =>
                      change(kind, {
                        allow_never: e.target.checked,
                        ...(!e.target.checked && values.default_expires_in_days === 'never'
                          ? { default_expires_in_days: String(Math.min(30, longestDays(rule))) }
                          : {}),
                      })
                    }
                  />
                  <span>Allow tokens that never expire</span>
                </label>
              </div>
              <div className="field">
                <label className="field-label" htmlFor={field('default_expires_in_days')}>
                  Preselected expiration
                </label>
                <select
                  id={field('default_expires_in_days')}
                  className="select policy-number"
                  value={values.default_expires_in_days}
                  onChange={(e) => change(kind, { default_expires_in_days: e.target.value })}
                  aria-invalid={errors[`${kind}.default_expires_in_days`] ? true : undefined}
                >
                  {presets.map((preset) => (
                    <option key={preset.label} value={preset.days === null ? 'never' : String(preset.days)}>
                      {preset.label}
                    </option>
                  ))}
                  {values.default_expires_in_days !== 'never' &&
                  !presets.some((p) => String(p.days) === values.default_expires_in_days) ? (
                    <option value={values.default_expires_in_days}>
                      {values.default_expires_in_days} days
                    </option>
                  ) : null}
                </select>
                <FieldError
                  id={`${field('default_expires_in_days')}-error`}
                  message={errors[`${kind}.default_expires_in_days`]}
                />
              </div>
              {exceeding ? (
                <p className="field-hint" data-testid={`exceeding-${kind}`}>
                  {count === 0 ? (
                    `No active ${kind} token exceeds the saved policy.`
                  ) : (
                    <>
                      {count} active {kind} token{count === 1 ? '' : 's'} exceed{count === 1 ? 's' : ''} the
                      saved policy.{' '}
                      <Link to={listPath}>{kind === 'personal' ? 'See yours' : 'See them'}</Link>
                    </>
                  )}
                </p>
              ) : null}
              <div className="field">
                <label className="checkbox">
                  <input
                    id={field('sweep')}
                    type="checkbox"
                    checked={values.sweep}
                    onChange={(e) => change(kind, { sweep: e.target.checked })}
                  />
                  <span>Revoke tokens unused for</span>
                </label>
                <input
                  id={field('revoke_unused_after_days')}
                  className="input policy-number"
                  inputMode="numeric"
                  aria-label={`${label}: days unused before the sweep revokes them`}
                  value={values.revoke_unused_after_days}
                  onChange={(e) => change(kind, { revoke_unused_after_days: e.target.value })}
                  aria-invalid={errors[`${kind}.revoke_unused_after_days`] ? true : undefined}
                />
                <span className="field-hint">
                  days (never used: since their creation). The sweep runs every hour, revoking by the system
                  with the reason “unused for N days”.
                </span>
                <FieldError
                  id={`${field('revoke_unused_after_days')}-error`}
                  message={errors[`${kind}.revoke_unused_after_days`]}
                />
                <SweepPreview kind={kind} days={numberOrNull(values.revoke_unused_after_days)} />
              </div>
            </fieldset>
          );
        })}
        <div className="leaked-actions">
          <Button
            type="submit"
            variant="primary"
            icon={<Save size={16} aria-hidden="true" />}
            busy={save.isPending}
          >
            Save policy
          </Button>
        </div>
      </form>
    </div>
  );
}
