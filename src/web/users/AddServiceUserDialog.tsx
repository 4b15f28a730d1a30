import { Bot, KeyRound } from 'lucide-react';
import { type FormEvent, useEffect, useState } from 'react';
import { displayName, hasLetterOrDigit, serviceInternalId, slugify } from '../../core/names.ts';
import type { Account } from '../api/types.ts';
import { Avatar } from '../ui/Avatar.tsx';
import { Button } from '../ui/Button.tsx';
import { Dialog, DialogForm } from '../ui/Dialog.tsx';
import { useToast } from '../ui/Toast.tsx';
import { useCreateServiceUser } from './api.ts';
import {
  FormError,
  isEmail,
  NameEmailFields,
  RoleTeamsFields,
  TextField,
  useAccountForm,
} from './fields.tsx';

const FIELDS = ['name', 'email', 'internal_id', 'role', 'team_ids'] as const;
type Field = (typeof FIELDS)[number];

function Steps({ step }: { step: 1 | 2 }) {
  return (
    <ol className="steps" aria-label="Steps">
      <li
        className={step === 1 ? 'step step-current' : 'step step-done'}
        aria-current={step === 1 ? 'step' : undefined}
      >
        <span className="step-number" aria-hidden="true">
          1
        </span>
        Account
      </li>
      <li
        className={step === 2 ? 'step step-current' : 'step'}
        aria-current={step === 2 ? 'step' : undefined}
      >
        <span className="step-number" aria-hidden="true">
          2
        </span>
        First token <span className="field-optional">(optional)</span>
      </li>
    </ol>
  );
}

/**
 * Add → Service User, in two steps: 1. the account (name, optional email, optional internal ID, role,
 * teams); 2. optionally its first token — "Generate first token" hands over to the Generate Token dialog
 * with this service user fixed, "Skip" finishes.
 */
export function AddServiceUserDialog({
  open,
  onOpenChange,
  onGenerateToken,
}: {
  open: boolean;
  onOpenChange(open: boolean): void;
  onGenerateToken(account: Account): void;
}) {
  const create = useCreateServiceUser();
  const toast = useToast();
  const form = useAccountForm(FIELDS);
  const { name, email, role, teamIds } = form.values;
  const [internalId, setInternalId] = useState('');
  const [created, setCreated] = useState<Account | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens.
  useEffect(() => {
    if (!open) return;
    form.start();
    setInternalId('');
    setCreated(null);
    create.reset();
  }, [open]);

  const slug = slugify(internalId.trim().replace(/@service$/, '') || name.trim());
  const preview = slug ? serviceInternalId(slug) : null;
  // A name in a script with nothing to keep in a-z: the server draws a short random ID.
  const randomId = !slug && !internalId.trim() && hasLetterOrDigit(name);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Partial<Record<Field, string>> = {};
    if (!name.trim() && !internalId.trim()) found.name = 'Give the service user a name (or an internal ID).';
    else if (internalId.trim() && !slug)
      found.internal_id = 'An internal ID is made of the letters a–z, digits, - and _.';
    else if (!slug && !randomId) found.name = 'Must contain at least one letter or digit.';
    if (email.trim() && !isEmail(email.trim())) found.email = 'Enter an email address, or leave it empty.';
    if (!form.check(found)) return;
    create.mutate(
      {
        name: name.trim() || null,
        email: email.trim() || null,
        ...(internalId.trim() ? { internal_id: internalId.trim() } : {}),
        role,
        team_ids: teamIds,
      },
      {
        onSuccess: (account) => {
          setCreated(account);
          toast.success(`Service user “${displayName(account)}” added.`);
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
      title="Add Service User"
      width={540}
    >
      {created ? (
        <>
          <div className="dialog-body">
            <Steps step={2} />
            <div className="created-account">
              <Avatar person={created} size={36} />
              <div className="cell-lines">
                <span className="cell-primary">{displayName(created)}</span>
                <span className="cell-secondary mono" data-testid="created-internal-id">
                  {created.internal_id}
                </span>
              </div>
              <span className="badge badge-green">Added</span>
            </div>
            <p className="step-text">
              Pipelines and integrations authenticate as <strong>{displayName(created)}</strong> with a
              service token. Generate its first one now, or later from the user’s row menu.
            </p>
          </div>
          <footer className="dialog-footer">
            <Button onClick={() => onOpenChange(false)}>Skip</Button>
            <Button
              variant="primary"
              icon={<KeyRound size={16} aria-hidden="true" />}
              onClick={() => {
                onOpenChange(false);
                onGenerateToken(created);
              }}
            >
              Generate first token
            </Button>
          </footer>
        </>
      ) : (
        <DialogForm
          label="Add Service User"
          onSubmit={submit}
          pending={create.isPending}
          onCancel={() => onOpenChange(false)}
          submitLabel="Add service user"
          note={
            <span className="dialog-footer-note">
              <Bot size={14} aria-hidden="true" /> Step 1 of 2
            </span>
          }
        >
          <Steps step={1} />
          <FormError message={form.formError} />
          <NameEmailFields
            form={form}
            name={{ placeholder: 'e.g. svc-airflow' }}
            email={{
              optional: true,
              placeholder: 'e.g. data-team@example.com',
              hint: 'Who to contact about it. A service user never signs in.',
            }}
          />
          <TextField
            id={form.idOf('internal_id')}
            label="Internal ID"
            optional
            value={internalId}
            onChange={(e) => setInternalId(e.target.value)}
            placeholder={preview ?? 'svc-airflow'}
            error={form.errors.internal_id}
            hint={
              preview
                ? `It will be ${preview}.${internalId.trim() ? '' : ' Made from the name unless you set one.'}`
                : randomId
                  ? 'The name has no letters a–z to make it from: it will be a short random one, like svc-7kq2@service, unless you set one.'
                  : 'Made from the name unless you set one: <slug>@service.'
            }
            className="input mono"
          />
          <RoleTeamsFields form={form} />
        </DialogForm>
      )}
    </Dialog>
  );
}
