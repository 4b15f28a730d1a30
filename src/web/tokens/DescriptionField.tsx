import { TOKEN_DESCRIPTION_MAX } from '../../core/description.ts';
import { FieldError } from '../ui/FieldError.tsx';

/** A token's description: optional, a few lines, counted against the limit as one types. */
export function DescriptionField({
  id,
  value,
  error,
  onChange,
}: {
  id: string;
  value: string;
  error: string | undefined;
  onChange(value: string): void;
}) {
  const length = [...value.trim()].length;
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        Description <span className="field-optional">(optional)</span>
      </label>
      <textarea
        id={id}
        className="input textarea"
        rows={2}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder="e.g. Deploys the web app from GitHub Actions"
        aria-invalid={error ? true : undefined}
        aria-describedby={[error ? `${id}-error` : '', `${id}-hint`].filter(Boolean).join(' ')}
      />
      <FieldError id={`${id}-error`} message={error} />
      <span className="field-hint" id={`${id}-hint`}>
        What uses it, who to ask. {length}/{TOKEN_DESCRIPTION_MAX}
      </span>
    </div>
  );
}
