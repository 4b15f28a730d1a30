import { type RefObject, useEffect, useRef, useState } from 'react';
import { displayName } from '../../core/names.ts';
import type { Account } from '../api/types.ts';
import { GenerateTokenDialog } from '../tokens/GenerateTokenDialog.tsx';
import { AddServiceUserDialog } from './AddServiceUserDialog.tsx';
import { AddUserDialog } from './AddUserDialog.tsx';
import { DeactivateDialog } from './DeactivateDialog.tsx';
import { EditAccountDialog } from './EditAccountDialog.tsx';
import { TrustPoliciesDialog } from './TrustPoliciesDialog.tsx';
import type { RowAction } from './UserRowActions.tsx';

/** The one dialog the Users page shows, if any: an Add from the page's menu, or a row's action. */
export type UserDialog =
  | { name: 'add-service' | 'add-human' }
  | {
      name: RowAction;
      account: Account;
      /** The row's menu button, which gets the focus back. */
      returnTo?: HTMLElement | null;
    };

/**
 * The Users page's dialogs (Admins). A dialog opened from a menu would hand the focus back to the menu
 * item, which is gone by then: it goes to the row's menu button instead (or to the Add button, for an
 * Add or when the row has left the list), unless another dialog took over, as Generate Token does from
 * Add → Service User.
 */
export function UserDialogs({
  dialog,
  onChange,
  addButton,
}: {
  dialog: UserDialog | null;
  onChange(dialog: UserDialog | null): void;
  addButton: RefObject<HTMLElement | null>;
}) {
  const isOpen = useRef(false);
  useEffect(() => {
    isOpen.current = dialog !== null;
  }, [dialog]);
  // The service user stays set while Generate Token closes, so its content does not flip to the plain form.
  const [tokenFor, setTokenFor] = useState<Account | null>(null);
  if (dialog?.name === 'generate' && dialog.account !== tokenFor) setTokenFor(dialog.account);

  const accountFor = (name: RowAction) =>
    dialog && 'account' in dialog && dialog.name === name ? dialog.account : null;
  const onOpenChange = (open: boolean) => {
    if (open) return;
    const returnTo = dialog && 'account' in dialog ? dialog.returnTo : null;
    onChange(null);
    window.setTimeout(() => {
      if (isOpen.current) return;
      if (document.activeElement && document.activeElement !== document.body) return;
      (returnTo?.isConnected ? returnTo : addButton.current)?.focus();
    }, 30);
  };

  return (
    <>
      <AddServiceUserDialog
        open={dialog?.name === 'add-service'}
        onOpenChange={onOpenChange}
        onGenerateToken={(account) => onChange({ name: 'generate', account })}
      />
      <AddUserDialog open={dialog?.name === 'add-human'} onOpenChange={onOpenChange} />
      <EditAccountDialog account={accountFor('edit')} onOpenChange={onOpenChange} />
      <DeactivateDialog account={accountFor('deactivate')} onOpenChange={onOpenChange} />
      <TrustPoliciesDialog account={accountFor('trust-policies')} onOpenChange={onOpenChange} />
      <GenerateTokenDialog
        open={dialog?.name === 'generate'}
        onOpenChange={onOpenChange}
        initialKind="service"
        {...(tokenFor ? { serviceUser: { id: tokenFor.id, label: displayName(tokenFor) } } : {})}
      />
    </>
  );
}
