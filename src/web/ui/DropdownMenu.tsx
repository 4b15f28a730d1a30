import * as RadixMenu from '@radix-ui/react-dropdown-menu';
import type { ReactElement, ReactNode } from 'react';

/** A menu opened from a button; arrow keys move, Enter chooses, Escape closes and returns focus. */
export function DropdownMenu({
  trigger,
  children,
  align = 'end',
  label,
}: {
  trigger: ReactElement;
  children: ReactNode;
  align?: 'start' | 'end';
  label?: string;
}) {
  return (
    <RadixMenu.Root modal={false}>
      <RadixMenu.Trigger asChild>{trigger}</RadixMenu.Trigger>
      <RadixMenu.Portal>
        <RadixMenu.Content
          className="menu"
          align={align}
          sideOffset={4}
          collisionPadding={8}
          aria-label={label}
        >
          {children}
        </RadixMenu.Content>
      </RadixMenu.Portal>
    </RadixMenu.Root>
  );
}

export function MenuItem({
  children,
  icon,
  onSelect,
  tone,
  disabled,
}: {
  children: ReactNode;
  icon?: ReactNode;
  onSelect(): void;
  tone?: 'danger';
  disabled?: boolean;
}) {
  return (
    <RadixMenu.Item
      className={`menu-item ${tone === 'danger' ? 'menu-item-danger' : ''}`}
      onSelect={onSelect}
      disabled={disabled}
    >
      {icon ? <span className="menu-icon">{icon}</span> : null}
      {children}
    </RadixMenu.Item>
  );
}

export function MenuLabel({ children }: { children: ReactNode }) {
  return <RadixMenu.Label className="menu-label">{children}</RadixMenu.Label>;
}

export function MenuSeparator() {
  return <RadixMenu.Separator className="menu-separator" />;
}
