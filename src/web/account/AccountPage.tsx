import { type FormEvent, useId, useState } from 'react';
import { PASSWORD_MIN_LENGTH } from '../../core/password-rules.ts';
import { ROLE_LABELS } from '../../core/roles.ts';
import { ApiError } from '../api/client.ts';
import { useMyNotifications, useSaveMyNotifications } from '../notifications/api.ts';
import { useAccount } from '../session/api.ts';
import { useSignInMethods } from '../session/methods.ts';
import { Avatar } from '../ui/Avatar.tsx';
import { Button } from '../ui/Button.tsx';
import { FieldError } from '../ui/FieldError.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { usePageTitle } from '../ui/page-title.ts';
import { useToast } from '../ui/Toast.tsx';
import { useChangePassword } from './api.ts';

type Field = 'current_password' | 'new_password' | 'confirm';

/** Settings → Account → Your account: who you are here, and your password. */
export function AccountPage() {
  usePageTitle('Your account');
  const account = useAccount();
  // With password sign-in off there is no password to change: people sign in through single sign-on.
  const passwordSignIn = useSignInMethods().data?.password ?? true;
  return (
    <div className="page">
      <PageHeader
        title="Your account"
        description="How Tessera knows you, and the password you sign in with."
      />
      <section className="account-card" aria-label="Your details">
        <Avatar person={account} size={40} />
        <div className="cell-lines">
          <span className="cell-primary">{account.name || account.email}</span>
          <span className="cell-secondary">{account.email}</span>
        </div>
        <dl className="account-facts">
          <dt>Role</dt>
          <dd>{ROLE_LABELS[account.role]}</dd>
          <dt>Teams</dt>
          <dd>{account.teams.map((team) => team.name).join(', ') || '—'}</dd>
        </dl>
      </section>
      <ExpiryWarningsSwitch />
      {passwordSignIn ? <PasswordForm /> : null}
    </div>
  );
}

/** Expiry warnings for one's own personal tokens; security notices cannot be turned off. */
function ExpiryWarningsSwitch() {
  const ids = useId();
  const mine = useMyNotifications();
  const save = useSaveMyNotifications();
  const toast = useToast();
  // Shown at once; put back if the server refuses.
  const [shown, setShown] = useState<boolean | null>(null);
  if (!mine.isSuccess) return null;
  const checked = shown ?? mine.data.expiry_warnings;
  return (
    <section className="account-section" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="section-title">
        Email
      </h2>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={checked}
          onChange={(e) => {
            const wanted = e.target.checked;
            setShown(wanted);
            save.mutate(
              { expiry_warnings: wanted },
              {
                onSuccess: (saved) => {
                  setShown(null);
                  toast.success(saved.expiry_warnings ? 'Expiry warnings on.' : 'Expiry warnings off.');
                },
                onError: (error) => {
                  setShown(null);
                  toast.error(error.message);
                },
              },
            );
          }}
        />
        <span>
          Email me before my personal tokens expire
          <span className="field-hint" style={{ display: 'block' }}>
            Notices that someone else revoked or rotated one of your tokens are always sent.
          </span>
        </span>
      </label>
    </section>
  );
}

function PasswordForm() {
  const ids = useId();
  const change = useChangePassword();
  const toast = useToast();
  const [values, setValues] = useState<Record<Field, string>>({
    current_password: '',
    new_password: '',
    confirm: '',
  });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);

  const edit = (field: Field, value: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    setErrors(({ [field]: _old, ...rest }) => rest);
  };
  const focus = (field: Field) => document.getElementById(`${ids}-${field}`)?.focus();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Partial<Record<Field, string>> = {};
    if (!values.current_password) found.current_password = 'Enter your current password.';
    if (values.new_password.length < PASSWORD_MIN_LENGTH)
      found.new_password = `At least ${PASSWORD_MIN_LENGTH} characters.`;
    else if (values.confirm !== values.new_password) found.confirm = 'The two new passwords differ.';
    setErrors(found);
    setFormError(null);
    const first = (['current_password', 'new_password', 'confirm'] as const).find((f) => found[f]);
    if (first) return focus(first);
    change.mutate(
      { current_password: values.current_password, new_password: values.new_password },
      {
        onSuccess: () => {
          setValues({ current_password: '', new_password: '', confirm: '' });
          toast.success('Password changed. Your other sessions have ended.');
        },
        onError: (error) => {
          const field = error instanceof ApiError ? error.field : undefined;
          if (error instanceof ApiError && (field === 'current_password' || field === 'new_password')) {
            setErrors({ [field]: error.fieldMessage });
            focus(field);
          } else setFormError(error.message);
        },
      },
    );
  };

  const input = (field: Field, label: string, autoComplete: string, hint?: string) => (
    <div className="field">
      <label className="field-label" htmlFor={`${ids}-${field}`}>
        {label}
      </label>
      <input
        id={`${ids}-${field}`}
        className="input"
        type="password"
        autoComplete={autoComplete}
        value={values[field]}
        onChange={(e) => edit(field, e.target.value)}
        aria-invalid={errors[field] ? true : undefined}
        aria-describedby={
          [errors[field] ? `${ids}-${field}-error` : '', hint ? `${ids}-${field}-hint` : '']
            .filter(Boolean)
            .join(' ') || undefined
        }
      />
      <FieldError id={`${ids}-${field}-error`} message={errors[field]} />
      {hint ? (
        <span className="field-hint" id={`${ids}-${field}-hint`}>
          {hint}
        </span>
      ) : null}
    </div>
  );

  return (
    <section className="account-section" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="section-title">
        Change password
      </h2>
      <form onSubmit={submit} noValidate aria-label="Change password" className="account-form">
        {formError ? (
          <div className="form-error" role="alert">
            {formError}
          </div>
        ) : null}
        {input('current_password', 'Current password', 'current-password')}
        {input(
          'new_password',
          'New password',
          'new-password',
          `At least ${PASSWORD_MIN_LENGTH} characters. Every other session of yours ends; this one stays.`,
        )}
        {input('confirm', 'New password again', 'new-password')}
        <div>
          <Button type="submit" variant="primary" busy={change.isPending}>
            Change password
          </Button>
        </div>
      </form>
    </section>
  );
}
