import * as RadixDialog from '@radix-ui/react-dialog';
import { X } from 'lucide-react';
import { type FormEvent, type ReactNode, type RefObject, useRef } from 'react';
import { Button } from './Button.tsx';

/**
 * A modal dialog: focus is trapped inside, Escape and the close button dismiss it, and focus goes back
 * to whatever opened it. While `busy` (its form is being sent) nothing dismisses it.
 */
export function Dialog({
  open,
  onOpenChange,
  title,
  description,
  children,
  footer,
  width = 480,
  returnFocusTo,
  busy = false,
}: {
  open: boolean;
  onOpenChange(open: boolean): void;
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  footer?: ReactNode;
  width?: number;
  /** Where the focus goes when the dialog closes, when it was not opened by a trigger of its own. */
  returnFocusTo?: RefObject<HTMLElement | null>;
  busy?: boolean;
}) {
  // Radix returns focus only to a trigger of its own; these dialogs are opened by ordinary buttons. The
  // element focused when `open` turns true is read during that render, before the dialog takes focus.
  const opener = useRef<HTMLElement | null>(null);
  const wasOpen = useRef(false);
  if (open && !wasOpen.current && typeof document !== 'undefined') {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  }
  wasOpen.current = open;
  return (
    <RadixDialog.Root
      open={open}
      onOpenChange={(next) => {
        if (!busy) onOpenChange(next);
      }}
    >
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="dialog-overlay" />
        <RadixDialog.Content
          className="dialog"
          style={{ width: `min(${width}px, calc(100vw - 32px))` }}
          onOpenAutoFocus={(event) => {
            // A confirmation starts on its safe choice (marked data-autofocus), not on the close button.
            const preferred = (event.currentTarget as HTMLElement | null)?.querySelector<HTMLElement>(
              '[data-autofocus]',
            );
            if (preferred) {
              event.preventDefault();
              preferred.focus();
            }
          }}
          onCloseAutoFocus={(event) => {
            const target = returnFocusTo?.current ?? (opener.current?.isConnected ? opener.current : null);
            if (target) {
              event.preventDefault();
              target.focus();
            }
          }}
          {...(description ? {} : { 'aria-describedby': undefined })}
        >
          <header className="dialog-header">
            <RadixDialog.Title className="dialog-title">{title}</RadixDialog.Title>
            <RadixDialog.Close className="btn btn-ghost btn-icon btn-sm" aria-label="Close">
              <X size={16} aria-hidden="true" />
            </RadixDialog.Close>
          </header>
          {description ? (
            <RadixDialog.Description className="dialog-description">{description}</RadixDialog.Description>
          ) : null}
          {/* With a footer, the children are the body; without one they bring their own body and footer
              (DialogForm, or a step of a dialog), and another padded box around them would pad twice. */}
          {children && footer ? <div className="dialog-body">{children}</div> : children}
          {footer ? <footer className="dialog-footer">{footer}</footer> : null}
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

interface FormActionsProps {
  pending: boolean;
  onCancel(): void;
  submitLabel: ReactNode;
  variant?: 'primary' | 'danger';
  /** Submit stays off until the form can be sent (a typed confirmation). */
  disabled?: boolean;
  /** The form's id, when the buttons sit outside it (the Dialog's footer). */
  form?: string;
}

/** A form dialog's Cancel and submit buttons: while the form is being sent, Cancel is off and submit spins. */
export function FormActions({
  pending,
  onCancel,
  submitLabel,
  variant = 'primary',
  disabled,
  form,
}: FormActionsProps) {
  return (
    <>
      <Button onClick={onCancel} disabled={pending}>
        Cancel
      </Button>
      <Button type="submit" form={form} variant={variant} disabled={disabled} busy={pending}>
        {submitLabel}
      </Button>
    </>
  );
}

/**
 * A dialog's form, named by `label`: the fields in the body, and in the footer an optional `note`
 * (left of the buttons), Cancel and submit.
 */
export function DialogForm({
  label,
  onSubmit,
  note,
  children,
  ...actions
}: {
  label: string;
  onSubmit(event: FormEvent): void;
  note?: ReactNode;
  children: ReactNode;
} & Omit<FormActionsProps, 'form'>) {
  return (
    <form onSubmit={onSubmit} noValidate aria-label={label}>
      <div className="dialog-body">{children}</div>
      <footer className="dialog-footer">
        {note}
        <FormActions {...actions} />
      </footer>
    </form>
  );
}
