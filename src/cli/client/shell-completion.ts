import type { Command } from 'commander';

interface Entry {
  /** The command words after `tessera`, space-separated: `""`, `"tokens"`, `"tokens list"`. */
  path: string;
  words: string[];
  /** Values an option takes, by option: `--kind` → personal service. */
  choices: [string, string[]][];
}

/** Every command of the tree with what may follow it: its subcommands and its long options. */
function entriesOf(command: Command, path: string[] = []): Entry[] {
  const subcommands = command.commands.filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden);
  const options = command.options.filter((option) => !option.hidden && option.long);
  const entry: Entry = {
    path: path.join(' '),
    words: [...subcommands.map((sub) => sub.name()), ...options.map((option) => option.long!), '--help'],
    choices: options
      .filter((option) => option.argChoices)
      .map((option) => [option.long!, [...option.argChoices!]]),
  };
  return [entry, ...subcommands.flatMap((sub) => entriesOf(sub, [...path, sub.name()]))];
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * Both scripts walk the words typed so far the same way: words that name a subcommand of the path so far
 * extend it, options and their values do not. Then they offer what may follow the path, or an option's values.
 */
function walker(entries: Entry[], first: string, last: string, array: string): string {
  const paths = entries.filter((e) => e.path).map((e) => quote(e.path));
  return [
    `  local cmdpath='' w i`,
    `  for ((i=${first}; i<${last}; i++)); do`,
    `    w="\${${array}[i]}"`,
    `    case "\${cmdpath:+$cmdpath }$w" in`,
    `      ${paths.join('|')}) cmdpath="\${cmdpath:+$cmdpath }$w" ;;`,
    '    esac',
    '  done',
  ].join('\n');
}

function candidates(entries: Entry[], prev: string, assign: (words: string) => string): string {
  const choiceCases = entries.flatMap((e) =>
    e.choices.map(
      ([option, values]) => `    ${quote(`${e.path}:${option}`)}) ${assign(values.join(' '))} ;;`,
    ),
  );
  const wordCases = entries.map((e) => `    ${quote(e.path)}) ${assign(e.words.join(' '))} ;;`);
  return [
    `  case "$cmdpath:${prev}" in`,
    ...choiceCases,
    '    *)',
    '      case "$cmdpath" in',
    ...wordCases.map((line) => `    ${line}`),
    '      esac ;;',
    '  esac',
  ].join('\n');
}

export function bashCompletion(program: Command): string {
  const entries = entriesOf(program);
  return `# bash completion for tessera: add to ~/.bashrc
#   source <(tessera completion bash)
_tessera() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" words=''
${walker(entries, '1', 'COMP_CWORD', 'COMP_WORDS')}
${candidates(entries, '$prev', (words) => `words=${quote(words)}`)}
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _tessera tessera
`;
}

export function zshCompletion(program: Command): string {
  const entries = entriesOf(program);
  // \`path\` is zsh's own array tied to PATH: the walk keeps its path in \`cmdpath\`.
  return `#compdef tessera
# zsh completion for tessera: add to ~/.zshrc, after compinit
#   source <(tessera completion zsh)
_tessera() {
  local prev="\${words[CURRENT-1]}" choices=''
${walker(entries, '2', 'CURRENT', 'words')}
${candidates(entries, '$prev', (words) => `choices=${quote(words)}`)}
  compadd -- \${=choices}
}
compdef _tessera tessera
`;
}
