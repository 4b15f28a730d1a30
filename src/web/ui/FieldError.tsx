import { CircleAlert } from 'lucide-react';

/** What is wrong with a form field, under it; the field points here with `aria-describedby` (`id`). */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span className="field-error" id={id}>
      <CircleAlert size={14} aria-hidden="true" />
      {message}
    </span>
  );
}
