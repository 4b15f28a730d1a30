import { Plus } from 'lucide-react';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { ROLE_LABELS, ROLES, type Role } from '../../core/roles.ts';
import { scopeNameProblem } from '../../core/scopes.ts';
import { ApiError } from '../api/client.ts';
import { Button } from '../ui/Button.tsx';
import { Dialog, FormActions } from '../ui/Dialog.tsx';
import { FieldError } from '../ui/FieldError.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { usePageTitle } from '../ui/page-title.ts';
import { HeaderCell, Table, TableMessage } from '../ui/Table.tsx';
import { useToast } from '../ui/Toast.tsx';
import { type Scope, useDeleteScope, useSaveScope, useScopes } from './scopes-api.ts';

/**
 * Settings → Security → Scopes (Admins): the catalog of upstream scopes a token may carry. Deleting one
 * that tokens carry asks first, saying how many.
 */
export function ScopesPage() {
  usePageTitle('Scopes');
  const scopes = useScopes();
  const [editing, setEditing] = useState<Scope | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Scope | null>(null);
  const remove = useDeleteScope();
  const toast = useToast();

  const deleteScope = (scope: Scope) =>
    remove.mutate(scope.name, {
      onSuccess: ({ token_count }) => {
        setDeleting(null);
        toast.success(
          `Scope “${scope.name}” deleted${token_count > 0 ? `; taken off ${tokens(token_count)}` : ''}.`,
        );
      },
      onError: (error) => toast.error(error),
    });

  return (
    <>
      <PageHeader
        title="Scopes"
        description="Upstream scopes a token may carry, for the services behind your proxy. Each says which role may put it on a token."
      >
        <Button
          variant="primary"
          icon={<Plus size={16} aria-hidden="true" />}
          onClick={() => setEditing('new')}
        >
          Add scope
        </Button>
      </PageHeader>
      <Table label="Scopes">
        <thead>
          <tr>
            <HeaderCell>Name</HeaderCell>
            <HeaderCell>Description</HeaderCell>
            <HeaderCell>Lowest role</HeaderCell>
            <HeaderCell>Active tokens</HeaderCell>
            <HeaderCell>
              <span className="visually-hidden">Actions</span>
            </HeaderCell>
          </tr>
        </thead>
        <tbody>
          {scopes.isPending ? (
            <TableMessage columns={5}>Loading…</TableMessage>
          ) : scopes.isError ? (
            <TableMessage columns={5}>The scopes could not be loaded.</TableMessage>
          ) : scopes.data.length === 0 ? (
            <TableMessage columns={5}>
              No scopes yet. Tokens can still carry Full API, Read-only API and SCIM.
            </TableMessage>
          ) : (
            scopes.data.map((scope) => (
              <tr key={scope.name} data-testid={`scope-${scope.name}`}>
                <td>
                  <code>{scope.name}</code>
                </td>
                <td>{scope.description}</td>
                <td>{ROLE_LABELS[scope.min_role]}</td>
                <td>{scope.token_count}</td>
                <td className="row-actions">
                  <Button size="sm" onClick={() => setEditing(scope)}>
                    Edit
                  </Button>{' '}
                  <Button
                    size="sm"
                    variant="danger"
                    onClick={() => (scope.token_count > 0 ? setDeleting(scope) : deleteScope(scope))}
                    busy={remove.isPending && remove.variables === scope.name}
                  >
                    Delete
                  </Button>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </Table>
      <ScopeDialog scope={editing} onClose={() => setEditing(null)} />
      <Dialog
        open={deleting !== null}
        onOpenChange={(open) => (open ? null : setDeleting(null))}
        title={`Delete scope “${deleting?.name ?? ''}”?`}
        description={
          deleting
            ? `${tokens(deleting.token_count)} ${deleting.token_count === 1 ? 'carries' : 'carry'} it. Deleting it takes it off them at once: locations that require it will refuse them.`
            : undefined
        }
        busy={remove.isPending}
        footer={
          <>
            <Button onClick={() => setDeleting(null)} disabled={remove.isPending} data-autofocus>
              Cancel
            </Button>
            <Button
              variant="danger"
              busy={remove.isPending}
              onClick={() => deleting && deleteScope(deleting)}
            >
              Delete scope
            </Button>
          </>
        }
      />
    </>
  );
}

const tokens = (count: number) => `${count} active token${count === 1 ? '' : 's'}`;

function ScopeDialog({ scope, onClose }: { scope: Scope | 'new' | null; onClose(): void }) {
  const ids = useId();
  const save = useSaveScope();
  const toast = useToast();
  const existing = scope !== null && scope !== 'new';
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [errors, setErrors] = useState<{ name?: string; description?: string; min_role?: string }>({});

  useEffect(() => {
    if (scope === null) return;
    setName(existing ? scope.name : '');
    setDescription(existing ? scope.description : '');
    setRole(existing ? scope.min_role : 'member');
    setErrors({});
  }, [scope, existing]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = existing ? undefined : scopeNameProblem(name.trim());
    if (problem) {
      setErrors({ name: problem });
      document.getElementById(`${ids}-name`)?.focus();
      return;
    }
    save.mutate(
      { input: { name: existing ? scope.name : name.trim(), description, min_role: role }, existing },
      {
        onSuccess: (saved) => {
          toast.success(existing ? `Scope “${saved.name}” saved.` : `Scope “${saved.name}” added.`);
          onClose();
        },
        onError: (error) => {
          const field = error instanceof ApiError ? error.field : undefined;
          if (
            error instanceof ApiError &&
            (field === 'name' || field === 'description' || field === 'min_role')
          )
            setErrors({ [field]: error.fieldMessage });
          else toast.error(error);
        },
      },
    );
  };

  return (
    <Dialog
      open={scope !== null}
      onOpenChange={(open) => (open ? null : onClose())}
      title={existing ? `Edit scope “${scope.name}”` : 'Add scope'}
      busy={save.isPending}
      footer={
        <FormActions
          pending={save.isPending}
          onCancel={onClose}
          submitLabel={existing ? 'Save' : 'Add scope'}
          form={`${ids}-form`}
        />
      }
    >
      <form
        id={`${ids}-form`}
        onSubmit={submit}
        noValidate
        aria-label={existing ? 'Edit scope' : 'Add scope'}
      >
        <div className="field">
          <label className="field-label" htmlFor={`${ids}-name`}>
            Name
          </label>
          <input
            id={`${ids}-name`}
            className="input"
            value={existing ? scope.name : name}
            readOnly={existing}
            onChange={(e) => setName(e.target.value)}
            placeholder="orders:read"
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={`${ids}-name-hint`}
          />
          <span id={`${ids}-name-hint`} className="field-hint">
            A lowercase letter, then up to 63 of a–z, 0–9, “_”, “.”, “:” and “-”.
          </span>
          <FieldError id={`${ids}-name-error`} message={errors.name} />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${ids}-description`}>
            Description
          </label>
          <input
            id={`${ids}-description`}
            className="input"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            aria-invalid={errors.description ? true : undefined}
          />
          <FieldError id={`${ids}-description-error`} message={errors.description} />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${ids}-min_role`}>
            Lowest role
          </label>
          <select
            id={`${ids}-min_role`}
            className="select"
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
          <span className="field-hint">
            Whose tokens may carry it. Raising it takes it from the tokens of owners below at once.
          </span>
          <FieldError id={`${ids}-min_role-error`} message={errors.min_role} />
        </div>
      </form>
    </Dialog>
  );
}
