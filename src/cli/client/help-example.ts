/** The "Example:" block at the end of a command's --help. */
export const example = (...lines: string[]) =>
  `\nExample:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
