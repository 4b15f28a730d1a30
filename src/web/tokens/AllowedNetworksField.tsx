import { FieldError } from '../ui/FieldError.tsx';

/** A token's network fence as typed: CIDR blocks or addresses; empty, usable from anywhere. */
export function AllowedNetworksField({
  id,
  value,
  error,
  hint,
  onChange,
}: {
  id: string;
  value: string;
  error: string | undefined;
  hint: string;
  onChange(value: string): void;
}) {
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        Allowed networks <span className="field-hint">(optional)</span>
      </label>
      <input
        id={id}
        className="input"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder="e.g. 10.0.0.0/8, 2001:db8::/32"
        aria-invalid={error ? true : undefined}
        aria-describedby={[error ? `${id}-error` : '', `${id}-hint`].filter(Boolean).join(' ')}
        autoComplete="off"
      />
      <FieldError id={`${id}-error`} message={error} />
      <span className="field-hint" id={`${id}-hint`}>
        {hint}
      </span>
    </div>
  );
}
