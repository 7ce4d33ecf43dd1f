/**
 * The one redaction of main-system credentials. A database URL may carry `user:password@`
 * (libpq accepts it) or `?password=`; both are removed before the URL is shown anywhere:
 * logs, `status`, error messages, sync_state.source.
 */

/** `postgres://user@host:port/db?sslmode=…` without any password; '<invalid url>' if it does not parse. */
export function redactDatabaseUrl(url: string): string {
  if (url === '') return '';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '<invalid url>';
  }
  u.password = '';
  for (const k of [...u.searchParams.keys()]) if (k.toLowerCase() === 'password') u.searchParams.delete(k);
  return u.toString();
}

/** Every occurrence of each secret replaced; secrets shorter than 4 characters are left alone (they would shred ordinary words). */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/** Scheme, host, port and path of an HTTP base URL: it may carry `user:pass@` or a query with a token. */
export function redactHttpUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
