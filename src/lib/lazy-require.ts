/**
 * A package loaded on its first use instead of at start. The main system's and NATS's client
 * libraries (undici, pg, @nats-io/*) took a fifth of a second to load in every process, while
 * a command or a configuration uses one of them at most (a standalone serve, `--help`,
 * `audit`, `export`: none). All are CommonJS packages, so the first use can load them
 * synchronously, even from a constructor.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyRequire<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
