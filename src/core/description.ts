export const TOKEN_DESCRIPTION_MAX = 500;

// Control characters other than the newline, and the Unicode line/paragraph separators.
const CONTROL_BUT_NEWLINE = /[^\P{Cc}\n]|[\u2028\u2029]/u;

export type DescriptionCheck = { ok: true; description: string | null } | { ok: false; message: string };

/**
 * A token's description: trimmed, Windows line ends made `\n`, at most 500 characters, no control
 * characters but newlines. Empty (or null) means none.
 */
export function checkTokenDescription(raw: string | null): DescriptionCheck {
  if (raw === null) return { ok: true, description: null };
  const description = raw.replace(/\r\n/g, '\n').trim();
  if (description.length === 0) return { ok: true, description: null };
  if ([...description].length > TOKEN_DESCRIPTION_MAX)
    return { ok: false, message: `Description must be at most ${TOKEN_DESCRIPTION_MAX} characters.` };
  if (CONTROL_BUT_NEWLINE.test(description))
    return { ok: false, message: 'Description must not contain control characters other than newlines.' };
  return { ok: true, description };
}
