import { CircleAlert } from 'lucide-react';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { GRACE_PERIOD_PRESETS } from '../../core/rotation.ts';
import { exactTime } from '../../core/time-phrases.ts';
import type { GeneratedToken, Token } from '../api/types.ts';
import { Button } from '../ui/Button.tsx';
import { Dialog, FormActions } from '../ui/Dialog.tsx';
import { useToast } from '../ui/Toast.tsx';
import { useRotateToken } from './api.ts';
import { SecretView } from './SecretView.tsx';

const DEFAULT_GRACE_MINUTES = 60;

/**
 * Rotate: a new token in this one's place, and how long the old secret keeps working (Immediately, 1 hour,
 * 24 hours, 7 days). The new secret is shown once, as Generate Token shows it.
 */
export function RotateTokenDialog({
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
  const rotate = useRotateToken();
  const [grace, setGrace] = useState(DEFAULT_GRACE_MINUTES);
  const [formError, setFormError] = useState<string | null>(null);
  const [rotated, setRotated] = useState<GeneratedToken | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens.
  useEffect(() => {
    if (!open) return;
    setGrace(DEFAULT_GRACE_MINUTES);
    setFormError(null);
    setRotated(null);
    rotate.reset();
  }, [open]);

  const close = () => onOpenChange(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    rotate.mutate(
      { token, grace_period_minutes: grace },
      {
        onSuccess: (result) => {
          setRotated(result);
          toast.success(`Token “${token.name}” rotated.`);
        },
        onError: (error) => setFormError(error.message),
      },
    );
  };

  const stopsAt = new Date(Date.now() + grace * 60_000);
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      busy={rotate.isPending}
      {...(returnFocusTo ? { returnFocusTo } : {})}
      title={rotated ? 'Token rotated' : `Rotate “${token.name}”`}
      {...(rotated
        ? {}
        : {
            description: `A new token with the same name, description and lifetime replaces “${token.name}”. Put its secret where the old one is used; the old secret keeps working until the time you choose.`,
          })}
      width={520}
      footer={
        rotated ? (
          <Button variant="primary" onClick={close}>
            Done
          </Button>
        ) : (
          <FormActions
            pending={rotate.isPending}
            onCancel={close}
            submitLabel="Rotate token"
            form={`${ids}-form`}
          />
        )
      }
    >
      {rotated ? (
        <SecretView generated={rotated} />
      ) : (
        <form id={`${ids}-form`} onSubmit={submit} noValidate aria-label={`Rotate ${token.name}`}>
          {formError ? (
            <div className="form-error" role="alert" style={{ marginBottom: 'var(--space-4)' }}>
              <CircleAlert size={16} aria-hidden="true" />
              {formError}
            </div>
          ) : null}
          <div className="field">
            <span className="field-label" id={`${ids}-grace-label`}>
              Old secret stops
            </span>
            <div className="segmented" role="radiogroup" aria-labelledby={`${ids}-grace-label`}>
              {GRACE_PERIOD_PRESETS.map((preset) => (
                <label key={preset.minutes}>
                  <input
                    type="radio"
                    name={`${ids}-grace`}
                    checked={grace === preset.minutes}
                    onChange={() => setGrace(preset.minutes)}
                  />
                  <span>{preset.label}</span>
                </label>
              ))}
            </div>
            <span className="field-hint" data-testid="grace-preview">
              {grace === 0
                ? 'Anything still using the old secret stops authenticating at once.'
                : `The old secret works until ${exactTime(stopsAt)}.`}
            </span>
          </div>
        </form>
      )}
    </Dialog>
  );
}
