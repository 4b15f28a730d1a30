import { stripVTControlCharacters } from 'node:util';
import { timeAgo, timeUntil } from '../../core/time-phrases.ts';
import type { Owner } from './api-types.ts';

/** Colour only for a person at a terminal: never into a pipe or a file, never with NO_COLOR set (no-color.org). */
export function colourFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

const CODES = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

type Stream = NodeJS.WritableStream & { isTTY?: boolean };

export class Output {
  readonly colour: boolean;
  readonly now: () => Date;
  private readonly out: Stream;
  private readonly err: Stream;

  constructor(out: Stream, err: Stream, env: Record<string, string | undefined>, now = () => new Date()) {
    this.out = out;
    this.err = err;
    this.now = now;
    this.colour = colourFor(out, env);
  }

  paint(text: string, colour: Colour): string {
    return this.colour ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
  }

  /** Data, for the person or the pipe. */
  print(text: string): void {
    this.out.write(text);
  }

  /** Everything that is not the data: what was done, warnings, errors. */
  say(text: string): void {
    this.err.write(`${text}\n`);
  }

  json(value: unknown): void {
    this.out.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Columns padded to their widest cell; colour codes are left out of the width. */
  table(headers: readonly string[], rows: readonly (readonly string[])[]): void {
    const visible = (cell: string) => stripVTControlCharacters(cell).length;
    const widths = headers.map((header, i) =>
      Math.max(header.length, ...rows.map((row) => visible(row[i] ?? ''))),
    );
    const line = (cells: readonly string[]) =>
      cells
        .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visible(cell))))
        .join('  ')
        .trimEnd();
    this.out.write(`${[line(headers.map((h) => this.paint(h, 'bold'))), ...rows.map(line)].join('\n')}\n`);
  }

  /** "in 30 days", "3 days ago", or `none` for no time. */
  when(at: string | null, none: string): string {
    if (at === null) return none;
    const date = new Date(at);
    const now = this.now();
    return date.getTime() > now.getTime() ? timeUntil(date, now) : timeAgo(date, now);
  }
}

/** How an account is named to people: its name, else its email or internal ID. */
export const ownerLabel = (owner: Owner) => owner.internal_id ?? owner.email ?? owner.name ?? owner.id;
