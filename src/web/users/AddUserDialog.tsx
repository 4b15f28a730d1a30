import { Check, Copy, TriangleAlert } from 'lucide-react';
import { type FormEvent, useEffect, useState } from 'react';
import { displayName } from '../../core/names.ts';
import { PASSWORD_MIN_LENGTH } from '../../core/password-rules.ts';
import type { Account } from '../api/types.ts';
import { useSignInMethods } from '../session/methods.ts';
import { Button } from '../ui/Button.tsx';
import { copyToClipboard } from '../ui/clipboard.ts';
import { Dialog, DialogForm } from '../ui/Dialog.tsx';
import { useToast } from '../ui/Toast.tsx';
import { useCreateHuman } from './api.ts';
import {
  FormError,
  isEmail,
  NameEmailFields,
  RoleTeamsFields,
  TextField,
  useAccountForm,
} from './fields.tsx';

const FIELDS = ['name', 'email', 'password', 'role', 'team_ids'] as const;
type Field = (typeof FIELDS)[number];

/** The password Tessera made up, shown this once with Copy. */
function InitialPassword({
  account,
  password,
  onDone,
}: {
  account: Account;
  password: string;
  onDone(): void;
}) {
  const toast = useToast();
  const [copied, setCopied] = useState(false);
  return (
    <>
      <div className="dialog-body">
        <div className="notice notice-warning" role="note">
          <TriangleAlert size={18} aria-hidden="true" style={{ flex: 'none' }} />
          <span>
            Give this password to {displayName(account)} through a safe channel. It is shown only this once;
            Tessera keeps only a hash of it.
          </span>
        </div>
        <div className="field" style={{ marginTop: 'var(--space-5)' }}>
          <span className="field-label">Initial password for {account.email}</span>
          <div className="secret-box">
            <code className="secret-value" data-testid="initial-password">
              {password}
            </code>
          </div>
          <div className="secret-actions">
            <Button
              icon={copied ? <Check size={16} aria-hidden="true" /> : <Copy size={16} aria-hidden="true" />}
              onClick={() =>
                copyToClipboard(password).then(
                  () => {
                    setCopied(true);
                    toast.success('Password copied to the clipboard.');
                  },
                  () => toast.error('The browser refused to copy; select the password and copy it yourself.'),
                )
              }
            >
              {copied ? 'Copied' : 'Copy'}
            </Button>
          </div>
        </div>
      </div>
      <footer className="dialog-footer">
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
      </footer>
    </>
  );
}

/**
 * Add → User: a person who signs in with email and password (without one, Tessera makes one), or through
 * single sign-on when password sign-in is off.
 */
export function AddUserDialog({ open, onOpenChange }: { open: boolean; onOpenChange(open: boolean): void }) {
  const create = useCreateHuman();
  const toast = useToast();
  const form = useAccountForm(FIELDS);
  const { name, email, role, teamIds } = form.values;
  const [password, setPassword] = useState('');
  // With password sign-in off, people sign in through single sign-on: no password to give them.
  const passwordSignIn = useSignInMethods().data?.password ?? true;
  const [created, setCreated] = useState<{ account: Account; password: string } | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens.
  useEffect(() => {
    if (!open) return;
    form.start();
    setPassword('');
    setCreated(null);
    create.reset();
  }, [open]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Partial<Record<Field, string>> = {};
    if (!email.trim()) found.email = 'A person needs an email address to sign in with.';
    else if (!isEmail(email.trim())) found.email = 'Enter an email address like name@example.com.';
    if (password && password.length < PASSWORD_MIN_LENGTH)
      found.password = `At least ${PASSWORD_MIN_LENGTH} characters, or leave it empty to have one generated.`;
    if (!form.check(found)) return;
    create.mutate(
      {
        name: name.trim() || null,
        email: email.trim(),
        ...(password ? { password } : {}),
        role,
        team_ids: teamIds,
      },
      {
        onSuccess: (result) => {
          toast.success(`User “${displayName(result.account)}” added.`);
          if (result.initial_password)
            setCreated({ account: result.account, password: result.initial_password });
          else onOpenChange(false);
        },
        onError: (error) => form.fromServer(error),
      },
    );
  };

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      busy={create.isPending}
      title={created ? 'User added' : 'Add User'}
      width={540}
    >
      {created ? (
        <InitialPassword
          account={created.account}
          password={created.password}
          onDone={() => onOpenChange(false)}
        />
      ) : (
        <DialogForm
          label="Add User"
          onSubmit={submit}
          pending={create.isPending}
          onCancel={() => onOpenChange(false)}
          submitLabel="Add user"
        >
          <FormError message={form.formError} />
          <NameEmailFields
            form={form}
            name={{ placeholder: 'e.g. Maya Chen' }}
            email={{ placeholder: 'name@example.com', hint: 'They sign in with it.' }}
          />
          <RoleTeamsFields form={form} />
          {passwordSignIn ? (
            <TextField
              id={form.idOf('password')}
              label="Password"
              optional
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              error={form.errors.password}
              hint={`At least ${PASSWORD_MIN_LENGTH} characters. Leave it empty and Tessera generates one, shown once.`}
            />
          ) : (
            <p className="field-hint">They sign in through single sign-on with this email.</p>
          )}
        </DialogForm>
      )}
    </Dialog>
  );
}
