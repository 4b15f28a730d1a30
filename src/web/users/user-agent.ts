/** "Chrome 131 · macOS" from a User-Agent header; the first product ("curl 7.88.1") when no browser is known. */
export function describeUserAgent(agent: string): string {
  const browser =
    match(agent, /Edg\/(\d+)/, 'Edge') ??
    match(agent, /Firefox\/(\d+)/, 'Firefox') ??
    match(agent, /Chrome\/(\d+)/, 'Chrome') ??
    match(agent, /Version\/(\d+)[^ ]* .*Safari\//, 'Safari');
  const os = /Windows/.test(agent)
    ? 'Windows'
    : /iPhone|iPad/.test(agent)
      ? 'iOS'
      : /Mac OS X|Macintosh/.test(agent)
        ? 'macOS'
        : /Android/.test(agent)
          ? 'Android'
          : /Linux/.test(agent)
            ? 'Linux'
            : null;
  if (browser) return os ? `${browser} · ${os}` : browser;
  const product = agent.split(' ')[0] ?? agent;
  return product.replace('/', ' ');
}

function match(agent: string, pattern: RegExp, name: string): string | null {
  const found = pattern.exec(agent);
  return found ? `${name} ${found[1]}` : null;
}
