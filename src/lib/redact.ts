/**
 * The one redaction of main-system addresses, below every stage so that the configuration,
 * the adapters, `status` and the privacy notice share it (secrets inside free text:
 * scrubSecrets in src/errors.ts). A database URL may carry `user:password@`
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

/** Scheme, host, port and path of an HTTP base URL: it may carry `user:pass@` or a query with a token. */
export function redactHttpUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
