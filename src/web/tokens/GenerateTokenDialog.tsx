import { CircleAlert } from 'lucide-react';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { checkTokenDescription } from '../../core/description.ts';
import { expiresAt } from '../../core/expiration.ts';
import { checkTokenName, displayName, TOKEN_NAME_MAX } from '../../core/names.ts';
import { checkNetworks, splitNetworks } from '../../core/networks.ts';
import { roleAtLeast } from '../../core/roles.ts';
import { API_SCOPE_DESCRIPTIONS, API_SCOPES, DEFAULT_SCOPES } from '../../core/scopes.ts';
import { exactTime } from '../../core/time-phrases.ts';
import type { TokenKind } from '../../core/token-kind.ts';
import { DEFAULT_KIND_POLICY, longestDays } from '../../core/token-policy.ts';
import { ApiError } from '../api/client.ts';
import type { GeneratedToken } from '../api/types.ts';
import { useMe } from '../session/api.ts';
import { Button } from '../ui/Button.tsx';
import { Dialog, FormActions } from '../ui/Dialog.tsx';
import { FieldError } from '../ui/FieldError.tsx';
import { useToast } from '../ui/Toast.tsx';
import { AllowedNetworksField } from './AllowedNetworksField.tsx';
import { useGenerateToken, useServiceUsers } from './api.ts';
import { DescriptionField } from './DescriptionField.tsx';
import { allowedPresets } from './lifetime.ts';
import { useTokenPolicy } from './policy-api.ts';
import { SecretView } from './SecretView.tsx';
import { useScopes } from './scopes-api.ts';

export interface GenerateTokenDialogProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  initialKind?: 'personal' | 'service';
  /** Generate for this service user: the type and the service user are fixed (Users page, Add → Service User). */
  serviceUser?: { id: string; label: string };
}

type Field =
  | 'name'
  | 'description'
  | 'kind'
  | 'service_user_id'
  | 'expires_in_days'
  | 'scopes'
  | 'allowed_networks';
type FieldErrors = Partial<Record<Field, string>>;
const FIELDS: readonly string[] = [
  'name',
  'description',
  'kind',
  'service_user_id',
  'expires_in_days',
  'scopes',
  'allowed_networks',
];

/** The local calendar date `days` from today, as a date input holds it. */
function localDate(days: number): string {
  const date = new Date();
  date.setDate(date.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * Whole days from today to a chosen local date, which the API takes as `expires_in_days`: the token then
 * expires on that date, at this time of day. Null for a date outside 1 to `longest` days (or none).
 */
function daysUntil(date: string, longest: number): number | null {
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m || !d) return null;
  const today = new Date();
  const start = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  const days = Math.round((Date.UTC(y, m - 1, d) - start) / 86_400_000);
  return days >= 1 && days <= longest ? days : null;
}

/**
 * Generate Token: Name, Type (Admins), Service User (service tokens), Expiration preset, Access (Full
 * API, Read-only API, SCIM for Admins, and the catalog's upstream scopes the person's role reaches). Errors show next to their field, the server's included; on success the secret is shown
 * once, with Copy and Download.
 */
export function GenerateTokenDialog({
  open,
  onOpenChange,
  initialKind,
  serviceUser,
}: GenerateTokenDialogProps) {
  const me = useMe();
  const isAdmin = me.data?.account.role === 'admin';
  const toast = useToast();
  const generate = useGenerateToken();
  const ids = useId();

  const startKind: TokenKind = serviceUser ? 'service' : isAdmin ? (initialKind ?? 'personal') : 'personal';
  const policies = useTokenPolicy();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [kind, setKind] = useState<TokenKind>(startKind);
  // The token policy decides what is offered; until it has loaded, what Tessera allows out of the box.
  const policy = policies.data?.[kind] ?? DEFAULT_KIND_POLICY;
  const longest = longestDays(policy);
  const presets = allowedPresets(policy);
  const [serviceUserId, setServiceUserId] = useState(serviceUser?.id ?? '');
  const [days, setDays] = useState<number | null>(policy.default_expires_in_days);
  /** A date of one's own instead of a preset: `YYYY-MM-DD`, or null while a preset is chosen. */
  const [customDate, setCustomDate] = useState<string | null>(null);
  const [scopes, setScopes] = useState<Set<string>>(() => new Set(DEFAULT_SCOPES));
  /** Allowed networks as typed: CIDR blocks separated by commas, spaces or new lines; empty: anywhere. */
  const [networks, setNetworks] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [generated, setGenerated] = useState<GeneratedToken | null>(null);
  const serviceUsers = useServiceUsers(open && isAdmin && kind === 'service' && !serviceUser);
  const catalog = useScopes(open);
  const role = me.data?.account.role ?? 'member';
  const offered = (catalog.data ?? []).filter((scope) => roleAtLeast(role, scope.min_role));
  const toggleScope = (scope: string, on: boolean) =>
    setScopes((current) => {
      const next = new Set(current);
      if (on) next.add(scope);
      else next.delete(scope);
      return next;
    });

  // Every opening starts from a clean form; the secret of the last one is gone for good.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens.
  useEffect(() => {
    if (!open) return;
    setName('');
    setDescription('');
    setKind(startKind);
    setServiceUserId(serviceUser?.id ?? '');
    setDays((policies.data?.[startKind] ?? DEFAULT_KIND_POLICY).default_expires_in_days);
    setCustomDate(null);
    setScopes(new Set(DEFAULT_SCOPES));
    setNetworks('');
    setErrors({});
    setFormError(null);
    setGenerated(null);
    generate.reset();
  }, [open]);

  // The policy arrived after the dialog opened, or the type changed: preselect what it says.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the policy or the type changes.
  useEffect(() => {
    if (!open || generated) return;
    setCustomDate(null);
    setDays(policy.default_expires_in_days);
  }, [policies.data, kind]);

  const close = () => onOpenChange(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    const checked = checkTokenName(name);
    if (!checked.ok) found.name = checked.message;
    const described = checkTokenDescription(description);
    if (!described.ok) found.description = described.message;
    if (kind === 'service' && !serviceUserId)
      found.service_user_id = 'Choose the service user this token is for.';
    if (customDate !== null && days === null)
      found.expires_in_days = `Choose a date from tomorrow to ${longest} days from today.`;
    if (scopes.size === 0) found.scopes = 'Choose at least one kind of access.';
    const networkList = splitNetworks(networks);
    const fenced = networkList.length > 0 ? checkNetworks(networkList) : undefined;
    if (fenced && !fenced.ok) found.allowed_networks = fenced.message;
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0) {
      document.getElementById(`${ids}-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    generate.mutate(
      {
        name: checked.ok ? checked.name : name,
        ...(described.ok && described.description ? { description: described.description } : {}),
        kind,
        expires_in_days: days,
        ...(kind === 'service' ? { service_user_id: serviceUserId } : {}),
        scopes: [...scopes],
        ...(fenced?.ok ? { allowed_networks: fenced.networks } : {}),
      },
      {
        onSuccess: (result) => {
          setGenerated(result);
          toast.success(`Token “${result.token.name}” generated.`);
        },
        onError: (error) => {
          const field = error instanceof ApiError ? error.field : undefined;
          if (error instanceof ApiError && field && FIELDS.includes(field)) {
            setErrors({ [field]: error.fieldMessage });
            document.getElementById(`${ids}-${field}`)?.focus();
          } else {
            setFormError(error.message);
          }
        },
      },
    );
  };

  const preview = days === null ? null : expiresAt(new Date(), days);
  const describedBy = (field: Field, hint?: string) =>
    [errors[field] ? `${ids}-${field}-error` : '', hint ?? ''].filter(Boolean).join(' ') || undefined;

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      busy={generate.isPending}
      title={generated ? 'Token generated' : 'Generate Token'}
      width={520}
      footer={
        generated ? (
          <Button variant="primary" onClick={close}>
            Done
          </Button>
        ) : (
          <FormActions
            pending={generate.isPending}
            onCancel={close}
            submitLabel="Generate Token"
            form={`${ids}-form`}
          />
        )
      }
    >
      {generated ? (
        <SecretView generated={generated} />
      ) : (
        <form id={`${ids}-form`} onSubmit={submit} noValidate aria-label="Generate Token">
          {formError ? (
            <div className="form-error" role="alert" style={{ marginBottom: 'var(--space-4)' }}>
              <CircleAlert size={16} aria-hidden="true" />
              {formError}
            </div>
          ) : null}
          <div className="field">
            <label className="field-label" htmlFor={`${ids}-name`}>
              Name
            </label>
            <input
              id={`${ids}-name`}
              className="input"
              value={name}
              onChange={(e) => {
                setName(e.target.value);
                // The server's "already exists" was about the name as it was.
                if (errors.name) setErrors(({ name: _old, ...rest }) => rest);
              }}
              placeholder="e.g. CI/CD Pipeline"
              maxLength={TOKEN_NAME_MAX + 20}
              aria-invalid={errors.name ? true : undefined}
              aria-describedby={describedBy('name', `${ids}-name-hint`)}
              autoComplete="off"
              autoFocus
            />
            <FieldError id={`${ids}-name-error`} message={errors.name} />
            <span className="field-hint" id={`${ids}-name-hint`}>
              What the token is for. Unique among your{kind === 'service' ? ' service user’s' : ''} tokens.
            </span>
          </div>

          <DescriptionField
            id={`${ids}-description`}
            value={description}
            error={errors.description}
            onChange={(value) => {
              setDescription(value);
              if (errors.description) setErrors(({ description: _old, ...rest }) => rest);
            }}
          />

          {isAdmin && !serviceUser ? (
            <div className="field">
              <span className="field-label" id={`${ids}-kind-label`}>
                Type
              </span>
              <div className="segmented" role="radiogroup" aria-labelledby={`${ids}-kind-label`}>
                {(['personal', 'service'] as const).map((value) => (
                  <label key={value}>
                    <input
                      type="radio"
                      name={`${ids}-kind`}
                      id={value === kind ? `${ids}-kind` : undefined}
                      value={value}
                      checked={kind === value}
                      onChange={() => {
                        setKind(value);
                        setErrors({});
                      }}
                    />
                    <span>{value === 'personal' ? 'Personal' : 'Service'}</span>
                  </label>
                ))}
              </div>
              <FieldError id={`${ids}-kind-error`} message={errors.kind} />
            </div>
          ) : null}

          {kind === 'service' ? (
            <div className="field">
              <label className="field-label" htmlFor={`${ids}-service_user_id`}>
                Service User
              </label>
              {serviceUser ? (
                <input id={`${ids}-service_user_id`} className="input" value={serviceUser.label} readOnly />
              ) : (
                <select
                  id={`${ids}-service_user_id`}
                  className="select"
                  value={serviceUserId}
                  onChange={(e) => setServiceUserId(e.target.value)}
                  aria-invalid={errors.service_user_id ? true : undefined}
                  aria-describedby={describedBy('service_user_id')}
                >
                  <option value="">
                    {serviceUsers.isPending ? 'Loading service users…' : 'Choose a service user'}
                  </option>
                  {(serviceUsers.data ?? []).map((account) => (
                    <option key={account.id} value={account.id}>
                      {displayName(account)}
                      {account.internal_id &&
                      account.internal_id !== displayName(account) &&
                      account.internal_id !== `${displayName(account)}@service`
                        ? ` (${account.internal_id})`
                        : ''}
                    </option>
                  ))}
                </select>
              )}
              <FieldError id={`${ids}-service_user_id-error`} message={errors.service_user_id} />
            </div>
          ) : null}

          <div className="field">
            <span className="field-label" id={`${ids}-expires-label`}>
              Expiration
            </span>
            <div className="segmented" role="radiogroup" aria-labelledby={`${ids}-expires-label`}>
              {presets.map((preset) => (
                <label key={preset.label}>
                  <input
                    type="radio"
                    name={`${ids}-expires`}
                    id={customDate === null && preset.days === days ? `${ids}-expires_in_days` : undefined}
                    checked={customDate === null && preset.days === days}
                    onChange={() => {
                      setCustomDate(null);
                      setDays(preset.days);
                    }}
                  />
                  <span>{preset.label}</span>
                </label>
              ))}
              <label>
                <input
                  type="radio"
                  name={`${ids}-expires`}
                  checked={customDate !== null}
                  onChange={() => {
                    const date = customDate ?? localDate(Math.min(days ?? 30, longest));
                    setCustomDate(date);
                    setDays(daysUntil(date, longest));
                  }}
                />
                <span>Custom</span>
              </label>
            </div>
            {customDate !== null ? (
              <input
                id={`${ids}-expires_in_days`}
                type="date"
                className="input custom-date"
                aria-label="Expiration date"
                value={customDate}
                min={localDate(1)}
                max={localDate(longest)}
                onChange={(e) => {
                  setCustomDate(e.target.value);
                  setDays(daysUntil(e.target.value, longest));
                  if (errors.expires_in_days) setErrors(({ expires_in_days: _old, ...rest }) => rest);
                }}
                aria-invalid={errors.expires_in_days ? true : undefined}
                aria-describedby={describedBy('expires_in_days')}
              />
            ) : null}
            <FieldError id={`${ids}-expires_in_days-error`} message={errors.expires_in_days} />
            <span className="field-hint" data-testid="expiration-preview">
              {preview
                ? `Expires ${exactTime(preview)}.`
                : customDate !== null
                  ? `Choose a date from tomorrow to ${longest} days from today.`
                  : 'Never expires. It works until someone revokes it; prefer an expiration when you can.'}
            </span>
          </div>

          <fieldset className="field access-options" aria-describedby={describedBy('scopes')}>
            <legend className="field-label">Access</legend>
            {API_SCOPES.filter((scope) => scope !== 'scim' || isAdmin).map((scope) => (
              <ScopeOption
                key={scope}
                id={scope === 'api' ? `${ids}-scopes` : `${ids}-scope-${scope}`}
                label={API_SCOPE_DESCRIPTIONS[scope].label}
                description={API_SCOPE_DESCRIPTIONS[scope].description}
                checked={scopes.has(scope)}
                onChange={(on) => toggleScope(scope, on)}
              />
            ))}
            {offered.map((scope) => (
              <ScopeOption
                key={scope.name}
                id={`${ids}-scope-${scope.name}`}
                label={scope.name}
                description={scope.description}
                checked={scopes.has(scope.name)}
                onChange={(on) => toggleScope(scope.name, on)}
                code
              />
            ))}
            <FieldError id={`${ids}-scopes-error`} message={errors.scopes} />
          </fieldset>

          <AllowedNetworksField
            id={`${ids}-allowed_networks`}
            value={networks}
            error={errors.allowed_networks}
            hint="CIDR blocks or addresses, IPv4 or IPv6, separated by commas. Empty: usable from anywhere."
            onChange={(value) => {
              setNetworks(value);
              if (errors.allowed_networks) setErrors(({ allowed_networks: _old, ...rest }) => rest);
            }}
          />
        </form>
      )}
    </Dialog>
  );
}

function ScopeOption({
  id,
  label,
  description,
  checked,
  onChange,
  code,
}: {
  id: string;
  label: string;
  description: string;
  checked: boolean;
  onChange(checked: boolean): void;
  code?: boolean;
}) {
  return (
    <label className="checkbox">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>
        <span className="field-label">{code ? <code>{label}</code> : label}</span>
        {description ? (
          <span className="field-hint" style={{ display: 'block' }}>
            {description}
          </span>
        ) : null}
      </span>
    </label>
  );
}
