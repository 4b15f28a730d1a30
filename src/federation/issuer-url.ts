/**
 * An issuer is reached over https; plain http only on this machine's loopback interface (a provider run
 * beside Tessera, as the tests do), where nothing on the network can change what it says.
 */
export function checkIssuerUrl(text: string): { ok: true; url: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'Must be a URL, such as https://token.actions.githubusercontent.com.' };
  }
  if (url.search || url.hash || url.username || url.password) {
    return { ok: false, message: 'Must have no query, fragment or credentials.' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    return { ok: false, message: 'Must use https (http only for an issuer on the loopback interface).' };
  }
  // As the JWT's `iss` says it: the URL as written, without a trailing slash after the host.
  return { ok: true, url: text.trim().replace(/\/+$/, '') };
}

export function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) || hostname === '[::1]'
  );
}
