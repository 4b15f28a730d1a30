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

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Any script's letters and digits count: `デプロイ` and `نشر` are names. */
export function hasLetterOrDigit(text: string): boolean {
  return LETTER_OR_DIGIT.test(text);
}

// No 0/o, 1/l: an ID people may read aloud or type.
const ID_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/**
 * The internal ID's slug for a name with no letter a–z to keep (`デプロイ`): `svc-` and four characters from
 * the given random bytes, e.g. `svc-7kq2`.
 */
export function randomServiceSlug(random: Uint8Array): string {
  let suffix = '';
  for (let i = 0; i < 4; i++) suffix += ID_ALPHABET[(random[i] ?? 0) % ID_ALPHABET.length];
  return `svc-${suffix}`;
}

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
