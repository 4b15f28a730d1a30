import { MoreHorizontal, Pencil, RefreshCw, RotateCcw, ShieldOff, Trash2 } from 'lucide-react';
import { useRef, useState } from 'react';
import type { TokenAction } from '../../core/token-status.ts';
import { allowedActions, isBeingReplaced } from '../../core/token-status.ts';
import type { Token } from '../api/types.ts';
import { Button, IconButton } from '../ui/Button.tsx';
import { Dialog } from '../ui/Dialog.tsx';
import { DropdownMenu, MenuItem } from '../ui/DropdownMenu.tsx';
import { useToast } from '../ui/Toast.tsx';
import { useTokenAction } from './api.ts';
import { EditTokenDialog } from './EditTokenDialog.tsx';
import { RotateTokenDialog } from './RotateTokenDialog.tsx';

const DONE: Record<TokenAction, (name: string) => string> = {
  revoke: (name) => `Token “${name}” revoked. It no longer authenticates.`,
  restore: (name) => `Token “${name}” restored. It authenticates again.`,
  delete: (name) => `Token “${name}” deleted.`,
};

/**
 * The row menu: Rotate (Active, not already replaced), Edit (always), Revoke (Active), Restore (Revoked,
 * not replaced), Delete (Revoked, Expired). Revoke and Delete ask first, in a dialog naming the token;
 * Restore is harmless and happens at once; Rotate and Edit open their own dialogs.
 */
export function RowActions({ token }: { token: Token }) {
  const [confirming, setConfirming] = useState<'revoke' | 'delete' | null>(null);
  const [open, setOpen] = useState<'rotate' | 'edit' | null>(null);
  const action = useTokenAction();
  const toast = useToast();
  // A replaced token's replacement has its place: it is neither rotated again nor restored.
  const replaced = token.replaced_by !== null || isBeingReplaced(token, new Date());
  const actions = allowedActions(token.status).filter((a) => !(replaced && a === 'restore'));
  const canRotate = token.status === 'active' && !replaced;
  const triggerRef = useRef<HTMLButtonElement>(null);

  const run = (which: TokenAction) =>
    action.mutate(
      { token, action: which },
      {
        onSuccess: () => {
          setConfirming(null);
          toast.success(DONE[which](token.name));
        },
        onError: (error) => {
          setConfirming(null);
          toast.error(error);
        },
      },
    );

  return (
    <>
      <DropdownMenu
        label={`Actions for ${token.name}`}
        trigger={
          <IconButton ref={triggerRef} label={`Actions for ${token.name}`} size="sm">
            <MoreHorizontal size={16} aria-hidden="true" />
          </IconButton>
        }
      >
        {canRotate ? (
          <MenuItem icon={<RefreshCw size={15} aria-hidden="true" />} onSelect={() => setOpen('rotate')}>
            Rotate
          </MenuItem>
        ) : null}
        <MenuItem icon={<Pencil size={15} aria-hidden="true" />} onSelect={() => setOpen('edit')}>
          Edit
        </MenuItem>
        {actions.includes('revoke') ? (
          <MenuItem
            icon={<ShieldOff size={15} aria-hidden="true" />}
            onSelect={() => setConfirming('revoke')}
          >
            Revoke
          </MenuItem>
        ) : null}
        {actions.includes('restore') ? (
          <MenuItem icon={<RotateCcw size={15} aria-hidden="true" />} onSelect={() => run('restore')}>
            Restore
          </MenuItem>
        ) : null}
        {actions.includes('delete') ? (
          <MenuItem
            icon={<Trash2 size={15} aria-hidden="true" />}
            tone="danger"
            onSelect={() => setConfirming('delete')}
          >
            Delete
          </MenuItem>
        ) : null}
      </DropdownMenu>
      <RotateTokenDialog
        token={token}
        open={open === 'rotate'}
        onOpenChange={(next) => setOpen(next ? 'rotate' : null)}
        returnFocusTo={triggerRef}
      />
      <EditTokenDialog
        token={token}
        open={open === 'edit'}
        onOpenChange={(next) => setOpen(next ? 'edit' : null)}
        returnFocusTo={triggerRef}
      />
      <Dialog
        returnFocusTo={triggerRef}
        open={confirming !== null}
        onOpenChange={(open) => {
          if (!open) setConfirming(null);
        }}
        busy={action.isPending}
        title={confirming === 'delete' ? `Delete “${token.name}”?` : `Revoke “${token.name}”?`}
        description={
          confirming === 'delete'
            ? `The token “${token.name}” will be removed for good. The audit log keeps a record of it. This cannot be undone.`
            : `Anything using “${token.name}” will stop authenticating at once. You can restore it later, until it expires.`
        }
        footer={
          <>
            <Button data-autofocus onClick={() => setConfirming(null)} disabled={action.isPending}>
              Cancel
            </Button>
            <Button variant="danger" busy={action.isPending} onClick={() => confirming && run(confirming)}>
              {confirming === 'delete' ? 'Delete token' : 'Revoke token'}
            </Button>
          </>
        }
      />
    </>
  );
}
