import { type FormEvent, useEffect } from 'react';
import { displayName } from '../../core/names.ts';
import type { Account } from '../api/types.ts';
import { useAccount } from '../session/api.ts';
import { Dialog, DialogForm } from '../ui/Dialog.tsx';
import { useToast } from '../ui/Toast.tsx';
import { type AccountChanges, useUpdateAccount } from './api.ts';
import { FormError, isEmail, NameEmailFields, RoleTeamsFields, useAccountForm } from './fields.tsx';

const FIELDS = ['name', 'email', 'role', 'team_ids'] as const;
type Field = (typeof FIELDS)[number];

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Edit: name, email, role (never your own) and teams. Only what changed is sent. */
export function EditAccountDialog({
  account,
  onOpenChange,
}: {
  account: Account | null;
  onOpenChange(open: boolean): void;
}) {
  const me = useAccount();
  const update = useUpdateAccount();
  const toast = useToast();
  const form = useAccountForm(FIELDS);
  const { name, email, role, teamIds } = form.values;

  // biome-ignore lint/correctness/useExhaustiveDependencies: start from the account each time it opens.
  useEffect(() => {
    if (!account) return;
    form.start({
      name: account.name ?? '',
      email: account.email ?? '',
      role: account.role,
      teamIds: account.teams.map((t) => t.id),
    });
    update.reset();
  }, [account?.id]);

  if (!account) return <Dialog open={false} onOpenChange={onOpenChange} title="Edit" />;
  const isHuman = account.kind === 'human';
  const own = account.id === me.id;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Partial<Record<Field, string>> = {};
    if (isHuman && !email.trim()) found.email = 'A person needs an email address to sign in with.';
    else if (email.trim() && !isEmail(email.trim()))
      found.email = 'Enter an email address like name@example.com.';
    if (!isHuman && !name.trim() && !email.trim() && !account.internal_id) found.name = 'Give it a name.';
    if (!form.check(found)) return;
    const changes: AccountChanges = {};
    if (name.trim() !== (account.name ?? '')) changes.name = name.trim() || null;
    if (email.trim() !== (account.email ?? '')) changes.email = email.trim() || null;
    if (role !== account.role) changes.role = role;
    const before = account.teams.map((t) => t.id);
    if (!sameSet(teamIds, before)) changes.team_ids = teamIds;
    if (Object.keys(changes).length === 0) {
      onOpenChange(false);
      return;
    }
    update.mutate(
      { id: account.id, changes },
      {
        onSuccess: (saved) => {
          toast.success(`Saved “${displayName(saved)}”.`);
          onOpenChange(false);
        },
        onError: (error) => form.fromServer(error),
      },
    );
  };

  return (
    <Dialog
      open
      onOpenChange={onOpenChange}
      busy={update.isPending}
      title={`Edit ${displayName(account)}`}
      width={540}
    >
      <DialogForm
        label={`Edit ${displayName(account)}`}
        onSubmit={submit}
        pending={update.isPending}
        onCancel={() => onOpenChange(false)}
        submitLabel="Save changes"
      >
        <FormError message={form.formError} />
        {account.internal_id ? (
          <div className="field">
            <span className="field-label">Internal ID</span>
            <code className="readonly-value">{account.internal_id}</code>
          </div>
        ) : null}
        {account.scim_updated_at ? (
          <ProviderFields account={account} />
        ) : (
          <NameEmailFields form={form} name={{ optional: !isHuman }} email={{ optional: !isHuman }} />
        )}
        <RoleTeamsFields
          form={form}
          roleLocked={own ? 'Nobody changes their own role; ask another Admin.' : undefined}
        />
      </DialogForm>
    </Dialog>
  );
}

/**
 * A person the identity provider manages through SCIM: their name, email and state are the provider's,
 * shown here read-only (the server refuses a change to them); role and teams stay editable.
 */
function ProviderFields({ account }: { account: Account }) {
  const rows: [string, string][] = [
    ['Name', account.name ?? '—'],
    ['Email', account.email ?? '—'],
    ['Status', account.status === 'active' ? 'Active' : 'Deactivated'],
    ...(account.external_id ? ([['External ID', account.external_id]] as [string, string][]) : []),
  ];
  return (
    <div className="field provider-fields">
      <p className="field-hint">
        Name, email and status come from your identity provider through SCIM: change them there. An Admin can
        still deactivate this person here in an emergency.
      </p>
      <dl>
        {rows.map(([label, value]) => (
          <div className="field" key={label}>
            <dt className="field-label">{label}</dt>
            <dd className="readonly-value">{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
