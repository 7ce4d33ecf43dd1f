/**
 * Node.js release lines past their end of life get no security fixes; the Node 20 line (the
 * only native uWebSockets.js build on Debian 12 / Ubuntu 22.04) ended on 2026-04-30. `serve`
 * says so at every start rather than letting it be found in a changelog.
 */
const END_OF_LIFE: Readonly<Record<number, string>> = { 18: '2025-04-30', 20: '2026-04-30', 21: '2024-06-01', 23: '2025-06-01' };

/** A warning for this Node version on `today`, or null while it is supported. */
export function nodeEndOfLife(version: string, today: Date = new Date()): string | null {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  const eol = END_OF_LIFE[major];
  if (!eol) return null;
  const past = today.getTime() >= Date.parse(`${eol}T00:00:00Z`);
  return `Node.js ${major} ${past ? 'reached' : 'reaches'} its end of life on ${eol}${past ? ' and gets no security fixes' : ''}: move to Node 22 or 24 (README, "Which Node.js and glibc run natively"; on Debian 12 / Ubuntu 22.04 that means Debian 13 / Ubuntu 24.04)`;
}
