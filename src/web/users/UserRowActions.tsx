import { KeyRound, MoreHorizontal, Pencil, RotateCcw, ScrollText, ShieldCheck, UserX } from 'lucide-react';
import { useRef } from 'react';
import { useNavigate } from 'react-router';
import { displayName } from '../../core/names.ts';
import type { Account } from '../api/types.ts';
import { paths } from '../paths.ts';
import { IconButton } from '../ui/Button.tsx';
import { DropdownMenu, MenuItem, MenuSeparator } from '../ui/DropdownMenu.tsx';
import { useToast } from '../ui/Toast.tsx';
import { useSetActive } from './api.ts';

export type RowAction = 'edit' | 'generate' | 'trust-policies' | 'deactivate';

/**
 * An Admin's row menu: Edit; Generate Token (active service users); View in audit log; Deactivate, or
 * Reactivate (harmless, so it happens at once).
 */
export function UserRowActions({
  account,
  isMe,
  onAction,
}: {
  account: Account;
  isMe: boolean;
  /** `trigger` is the menu button, which gets the focus back when the action's dialog closes. */
  onAction(action: RowAction, account: Account, trigger: HTMLElement | null): void;
}) {
  const label = displayName(account);
  const reactivate = useSetActive();
  const toast = useToast();
  const navigate = useNavigate();
  const active = account.status === 'active';
  const trigger = useRef<HTMLButtonElement>(null);
  const act = (action: RowAction) => onAction(action, account, trigger.current);
  return (
    <DropdownMenu
      label={`Actions for ${label}`}
      trigger={
        <IconButton ref={trigger} label={`Actions for ${label}`} size="sm">
          <MoreHorizontal size={16} aria-hidden="true" />
        </IconButton>
      }
    >
      <MenuItem icon={<Pencil size={15} aria-hidden="true" />} onSelect={() => act('edit')}>
        Edit
      </MenuItem>
      {account.kind === 'service' && active ? (
        <MenuItem icon={<KeyRound size={15} aria-hidden="true" />} onSelect={() => act('generate')}>
          Generate Token
        </MenuItem>
      ) : null}
      {account.kind === 'service' ? (
        <MenuItem icon={<ShieldCheck size={15} aria-hidden="true" />} onSelect={() => act('trust-policies')}>
          Trust policies
        </MenuItem>
      ) : null}
      <MenuItem
        icon={<ScrollText size={15} aria-hidden="true" />}
        onSelect={() => navigate(`${paths.audit}?target=${encodeURIComponent(account.id)}`)}
      >
        View in audit log
      </MenuItem>
      <MenuSeparator />
      {active ? (
        <MenuItem
          icon={<UserX size={15} aria-hidden="true" />}
          tone="danger"
          disabled={isMe}
          onSelect={() => act('deactivate')}
        >
          {isMe ? 'Deactivate (not yourself)' : 'Deactivate'}
        </MenuItem>
      ) : (
        <MenuItem
          icon={<RotateCcw size={15} aria-hidden="true" />}
          onSelect={() =>
            reactivate.mutate(
              { id: account.id, active: true },
              {
                onSuccess: () => toast.success(`“${label}” reactivated. No token was restored.`),
                onError: (error) => toast.error(error),
              },
            )
          }
        >
          Reactivate
        </MenuItem>
      )}
    </DropdownMenu>
  );
}
