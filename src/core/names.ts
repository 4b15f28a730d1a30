export const TOKEN_NAME_MAX = 100;

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

export type NameCheck = { ok: true; name: string } | { ok: false; message: string };

/** Token names: trimmed, 1–100 characters, no control characters. */
export function checkTokenName(raw: string): NameCheck {
  const name = raw.trim();
  if (name.length === 0) return { ok: false, message: 'Name is required.' };
  if ([...name].length > TOKEN_NAME_MAX)
    return { ok: false, message: `Name must be at most ${TOKEN_NAME_MAX} characters.` };
  if (CONTROL.test(name)) return { ok: false, message: 'Name must not contain control characters.' };
  return { ok: true, name };
}

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/**
 * Lowercase ASCII letters, digits, `-` and `_`; any other run becomes one `-`. Accents are dropped
 * (`Zoë` → `zoe`). Used for service users' internal IDs and for download file names.
 */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
}

export const SERVICE_ID_SUFFIX = '@service';

export function serviceInternalId(slug: string): string {
  return `${slug}${SERVICE_ID_SUFFIX}`;
}

/** `<slug-of-name>-token.txt`, the file the console's Download button saves. */
export function tokenFileName(tokenName: string): string {
  return `${slugify(tokenName) || 'tessera'}-token.txt`;
}

/** How the console names an account: its name, else its email, else its internal ID (SPEC §1). */
export function displayName(account: {
  id: string;
  name: string | null;
  email: string | null;
  internal_id: string | null;
}): string {
  return account.name || account.email || account.internal_id || account.id;
}
