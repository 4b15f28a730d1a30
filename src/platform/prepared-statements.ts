import type { CompiledQuery } from 'kysely';

/** Statement text → its name, for the pools of src/platform/database.ts. */
const names = new Map<string, string>();

/** The name `sql` was registered under, if it was: the database pools run it as a named statement. */
export function statementName(sql: string): string | undefined {
  return names.get(sql);
}

/** Stands for a value when a statement is built once: `sql\`… = any(${slot})\``, filled on each run. */
export class Slot {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/**
 * A query built and compiled once, run by name: PostgreSQL parses and plans it once per connection
 * instead of on every run (on the token's cold path that was most of the database's time,
 * docs/PERFORMANCE.md). Returns the compiled query with its slots filled, in the order of `slots`,
 * for `db.executeQuery`; the query's other parameters (a `limit`, say) keep their values.
 */
export function namedStatement<Row>(
  name: string,
  query: CompiledQuery<Row>,
  slots: readonly Slot[],
): (values: readonly unknown[]) => CompiledQuery<Row> {
  for (const [text, known] of names) {
    if (known === name && text !== query.sql) throw new Error(`Two statements are named ${name}.`);
    if (known !== name && text === query.sql) throw new Error(`${name} is already named ${known}.`);
  }
  const positions = slots.map((slot) => {
    const at = query.parameters.indexOf(slot);
    if (at < 0) throw new Error(`${name} has no slot ${slot.name}.`);
    return at;
  });
  names.set(query.sql, name);
  return (values) => {
    const parameters = [...query.parameters];
    positions.forEach((at, i) => {
      parameters[at] = values[i];
    });
    return { ...query, parameters };
  };
}
