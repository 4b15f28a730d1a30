import { CircleAlert } from 'lucide-react';
import { type InputHTMLAttributes, useId, useState } from 'react';
import { ROLE_LABELS, ROLES, type Role } from '../../core/roles.ts';
import { ApiError } from '../api/client.ts';
import { FieldError } from '../ui/FieldError.tsx';
import { useTeams } from './api.ts';

// The pieces the account dialogs share: the form's state (`useAccountForm`), a labelled text field with
// its error under it, Name and Email, the role picker and the team checkboxes, and the mapping of a
// server error onto the field it names.

export const ROLE_HINTS: Record<Role, string> = {
  member: 'Own tokens only.',
  manager: 'Also reads Users.',
  admin: 'Manages everything.',
};

export function TextField({
  id,
  label,
  hint,
  error,
  optional,
  ...input
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string | undefined;
  optional?: boolean;
} & InputHTMLAttributes<HTMLInputElement>) {
  const describedBy = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
        {optional ? <span className="field-optional"> (optional)</span> : null}
      </label>
      <input
        id={id}
        className="input"
        autoComplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        {...input}
      />
      <FieldError id={`${id}-error`} message={error} />
      {hint ? (
        <span className="field-hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
    </div>
  );
}

export function RoleField({
  id,
  value,
  onChange,
  error,
  disabledReason,
}: {
  id: string;
  value: Role;
  onChange(role: Role): void;
  error?: string | undefined;
  /** Why the role cannot change (your own account). */
  disabledReason?: string | undefined;
}) {
  return (
    <div className="field">
      <span className="field-label" id={`${id}-label`}>
        Role
      </span>
      <div
        className="segmented"
        role="radiogroup"
        aria-labelledby={`${id}-label`}
        aria-describedby={disabledReason ? `${id}-hint` : undefined}
      >
        {[...ROLES].reverse().map((role) => (
          <label key={role} title={ROLE_HINTS[role]}>
            <input
              type="radio"
              name={id}
              id={role === value ? id : undefined}
              value={role}
              checked={value === role}
              disabled={disabledReason !== undefined}
              onChange={() => onChange(role)}
            />
            <span>{ROLE_LABELS[role]}</span>
          </label>
        ))}
      </div>
      <FieldError id={`${id}-error`} message={error} />
      <span className="field-hint" id={`${id}-hint`}>
        {disabledReason ?? `${ROLE_LABELS[value]}: ${ROLE_HINTS[value]}`}
      </span>
    </div>
  );
}

/** Team checkboxes; Public is always on (everyone is in it) and cannot be unticked. */
export function TeamsField({
  id,
  value,
  onChange,
  error,
}: {
  id: string;
  value: string[];
  onChange(teamIds: string[]): void;
  error?: string | undefined;
}) {
  const teams = useTeams();
  return (
    <fieldset className="field fieldset" aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="field-label">Teams</legend>
      <div className="team-choices" id={id} tabIndex={-1}>
        {teams.isPending ? <span className="field-hint">Loading teams…</span> : null}
        {teams.isError ? <span className="field-hint">{teams.error.message}</span> : null}
        {(teams.data ?? []).map((team) => (
          <label key={team.id} className="checkbox team-choice">
            <input
              type="checkbox"
              checked={team.builtin || value.includes(team.id)}
              disabled={team.builtin}
              onChange={(e) =>
                onChange(e.target.checked ? [...value, team.id] : value.filter((t) => t !== team.id))
              }
            />
            <span>
              {team.name}
              {team.builtin ? <span className="field-optional"> · everyone</span> : null}
            </span>
          </label>
        ))}
      </div>
      <FieldError id={`${id}-error`} message={error} />
    </fieldset>
  );
}

/**
 * Errors by field: the browser-side checks and the server's answers (400 with `details.field`, 409
 * `email_taken` / `internal_id_taken`) land next to the field they name; anything else above the form.
 */
export function useFieldErrors<F extends string>(fields: readonly F[], idOf: (field: F) => string) {
  const [errors, setErrors] = useState<Partial<Record<F, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const focus = (field: F) => document.getElementById(idOf(field))?.focus();
  return {
    errors,
    formError,
    reset() {
      setErrors({});
      setFormError(null);
    },
    /** A field's message was about its old value: editing it clears the message. */
    clear(field: F) {
      setErrors((current) => {
        if (!(field in current)) return current;
        const { [field]: _old, ...rest } = current;
        return rest as Partial<Record<F, string>>;
      });
    },
    /** Show browser-side findings; true when there were none. */
    check(found: Partial<Record<F, string>>): boolean {
      setErrors(found);
      setFormError(null);
      const first = fields.find((field) => found[field]);
      if (first) focus(first);
      return first === undefined;
    },
    fromServer(error: Error) {
      const field = error instanceof ApiError ? error.field : undefined;
      if (error instanceof ApiError && field && (fields as readonly string[]).includes(field)) {
        setErrors({ [field]: error.fieldMessage } as Partial<Record<F, string>>);
        setFormError(null);
        focus(field as F);
      } else {
        setErrors({});
        setFormError(error.message);
      }
    },
  };
}

export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div className="form-error" role="alert">
      <CircleAlert size={16} aria-hidden="true" style={{ flex: 'none' }} />
      {message}
    </div>
  );
}

/** What every account form edits; the dialogs add their own fields (internal ID, password). */
export interface AccountValues {
  name: string;
  email: string;
  role: Role;
  teamIds: string[];
}

const NEW_ACCOUNT: AccountValues = { name: '', email: '', role: 'member', teamIds: [] };

type AccountField = 'name' | 'email' | 'role' | 'team_ids';

export function isEmail(text: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(text);
}

/**
 * An account form's state: the values, an id for each field (its label, its error, the focus) and the
 * errors by field. `start` begins again from a new account's blanks, or from an account's values.
 */
export function useAccountForm<F extends string>(fields: readonly F[]) {
  const ids = useId();
  const idOf = (field: F) => `${ids}-${field}`;
  const errors = useFieldErrors(fields, idOf);
  const [values, setValues] = useState<AccountValues>(NEW_ACCOUNT);
  return {
    ...errors,
    idOf,
    values,
    change: (changes: Partial<AccountValues>) => {
      setValues((current) => ({ ...current, ...changes }));
      for (const key of Object.keys(changes) as (keyof AccountValues)[]) {
        const field = (key === 'teamIds' ? 'team_ids' : key) as F;
        if (fields.includes(field)) errors.clear(field);
      }
    },
    start(from: AccountValues = NEW_ACCOUNT) {
      setValues(from);
      errors.reset();
    },
  };
}

interface AccountFormParts {
  idOf(field: AccountField): string;
  errors: Partial<Record<AccountField, string>>;
  values: AccountValues;
  change(changes: Partial<AccountValues>): void;
}

/** What differs between the dialogs' copies of a field. */
interface FieldText {
  optional?: boolean;
  placeholder?: string;
  hint?: string;
}

/** Name (focused first) and Email, as every account form starts. */
export function NameEmailFields({
  form,
  name,
  email,
}: {
  form: AccountFormParts;
  name?: FieldText;
  email?: FieldText;
}) {
  return (
    <>
      <TextField
        id={form.idOf('name')}
        label="Name"
        value={form.values.name}
        onChange={(e) => form.change({ name: e.target.value })}
        error={form.errors.name}
        maxLength={120}
        autoFocus
        {...name}
      />
      <TextField
        id={form.idOf('email')}
        label="Email"
        type="email"
        value={form.values.email}
        onChange={(e) => form.change({ email: e.target.value })}
        error={form.errors.email}
        {...email}
      />
    </>
  );
}

/** Role and Teams; `roleLocked` says why the role cannot change (your own account). */
export function RoleTeamsFields({
  form,
  roleLocked,
}: {
  form: AccountFormParts;
  roleLocked?: string | undefined;
}) {
  return (
    <>
      <RoleField
        id={form.idOf('role')}
        value={form.values.role}
        onChange={(role) => form.change({ role })}
        error={form.errors.role}
        disabledReason={roleLocked}
      />
      <TeamsField
        id={form.idOf('team_ids')}
        value={form.values.teamIds}
        onChange={(teamIds) => form.change({ teamIds })}
        error={form.errors.team_ids}
      />
    </>
  );
}
