import { CircleAlert } from 'lucide-react';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { checkTokenDescription } from '../../core/description.ts';
import { checkTokenName, TOKEN_NAME_MAX } from '../../core/names.ts';
import { checkNetworks, splitNetworks } from '../../core/networks.ts';
import { ApiError } from '../api/client.ts';
import type { Token } from '../api/types.ts';
import { Dialog, FormActions } from '../ui/Dialog.tsx';
import { FieldError } from '../ui/FieldError.tsx';
import { useToast } from '../ui/Toast.tsx';
import { AllowedNetworksField } from './AllowedNetworksField.tsx';
import { useUpdateToken } from './api.ts';
import { DescriptionField } from './DescriptionField.tsx';

type Field = 'name' | 'description' | 'allowed_networks';

/** Edit: the token's name, description and allowed networks; errors next to their field, the server's included. */
export function EditTokenDialog({
  token,
  open,
  onOpenChange,
  returnFocusTo,
}: {
  token: Token;
  open: boolean;
  onOpenChange(open: boolean): void;
  returnFocusTo?: React.RefObject<HTMLElement | null>;
}) {
  const ids = useId();
  const toast = useToast();
  const update = useUpdateToken();
  const [name, setName] = useState(token.name);
  const [description, setDescription] = useState(token.description ?? '');
  const [networks, setNetworks] = useState((token.allowed_networks ?? []).join(', '));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: start from the token as it is when the dialog opens.
  useEffect(() => {
    if (!open) return;
    setName(token.name);
    setDescription(token.description ?? '');
    setNetworks((token.allowed_networks ?? []).join(', '));
    setErrors({});
    setFormError(null);
    update.reset();
  }, [open]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Partial<Record<Field, string>> = {};
    const checkedName = checkTokenName(name);
    if (!checkedName.ok) found.name = checkedName.message;
    const checkedDescription = checkTokenDescription(description);
    if (!checkedDescription.ok) found.description = checkedDescription.message;
    const networkList = splitNetworks(networks);
    const fenced = networkList.length > 0 ? checkNetworks(networkList) : undefined;
    if (fenced && !fenced.ok) found.allowed_networks = fenced.message;
    setErrors(found);
    setFormError(null);
    if (!checkedName.ok || !checkedDescription.ok || (fenced && !fenced.ok)) {
      document.getElementById(`${ids}-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    update.mutate(
      {
        token,
        name: checkedName.name,
        description: checkedDescription.description,
        allowed_networks: fenced?.ok ? fenced.networks : null,
      },
      {
        onSuccess: (saved) => {
          toast.success(`Token “${saved.name}” saved.`);
          onOpenChange(false);
        },
        onError: (error) => {
          const field = error instanceof ApiError ? error.field : undefined;
          if (
            error instanceof ApiError &&
            (field === 'name' || field === 'description' || field === 'allowed_networks')
          ) {
            setErrors({ [field]: error.fieldMessage });
            document.getElementById(`${ids}-${field}`)?.focus();
          } else {
            setFormError(error.message);
          }
        },
      },
    );
  };

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      busy={update.isPending}
      {...(returnFocusTo ? { returnFocusTo } : {})}
      title={`Edit “${token.name}”`}
      width={520}
      footer={
        <FormActions
          pending={update.isPending}
          onCancel={() => onOpenChange(false)}
          submitLabel="Save"
          form={`${ids}-form`}
        />
      }
    >
      <form id={`${ids}-form`} onSubmit={submit} noValidate aria-label={`Edit ${token.name}`}>
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
              if (errors.name) setErrors(({ name: _old, ...rest }) => rest);
            }}
            maxLength={TOKEN_NAME_MAX + 20}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={errors.name ? `${ids}-name-error` : undefined}
            autoComplete="off"
          />
          <FieldError id={`${ids}-name-error`} message={errors.name} />
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
        <AllowedNetworksField
          id={`${ids}-allowed_networks`}
          value={networks}
          error={errors.allowed_networks}
          hint="CIDR blocks or addresses, separated by commas. Empty: usable from anywhere. Applies from the next request."
          onChange={(value) => {
            setNetworks(value);
            if (errors.allowed_networks) setErrors(({ allowed_networks: _old, ...rest }) => rest);
          }}
        />
      </form>
    </Dialog>
  );
}
