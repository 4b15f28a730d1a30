import { useState } from 'react';

export interface AvatarPerson {
  id: string;
  name: string | null;
  email: string | null;
  internal_id?: string | null;
  avatar_url: string | null;
}

/** "Maya Chen" → "MC", "svc-airflow" → "SA", "svc-legacy-etl@service" → "SL". */
export function initialsOf(person: AvatarPerson): string {
  const source = person.name || person.email?.split('@')[0] || person.internal_id?.split('@')[0] || '?';
  const words = source.split(/[\s._-]+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]![0], words[1]![0]] : [...(words[0] ?? '?').slice(0, 2)];
  return letters.join('').toUpperCase();
}

const HUES = [210, 250, 280, 330, 15, 35, 160, 190];

function hueOf(id: string): number {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return HUES[hash % HUES.length]!;
}

/** The account's picture, or its initials on a colour that stays the same for the same account. */
export function Avatar({ person, size = 32 }: { person: AvatarPerson; size?: number }) {
  const [broken, setBroken] = useState(false);
  const style = { width: size, height: size, fontSize: Math.round(size * 0.38) };
  if (person.avatar_url && !broken) {
    return (
      <img
        className="avatar"
        src={person.avatar_url}
        alt=""
        style={style}
        onError={() => setBroken(true)}
        draggable={false}
      />
    );
  }
  const hue = hueOf(person.id);
  // The initials are drawn by CSS (`::before`), not text: a button holding an avatar beside a name is named
  // by the name alone, and its visible text must match that name (WCAG 2.5.3).
  return (
    <span
      className="avatar avatar-initials"
      aria-hidden="true"
      data-initials={initialsOf(person)}
      style={{ ...style, background: `hsl(${hue} 70% 92%)`, color: `hsl(${hue} 60% 24%)` }}
    />
  );
}
