/** Shared command-line parsing: every command takes --config FILE and --help. */
import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defaultConfigPath, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ClickrelayError, ConfigError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<V> {
  values: V;
  config: () => Config;
  help: boolean;
}

export function parseCommand<O extends Options>(argv: string[], options: O): Parsed<Record<keyof O, string | boolean | undefined>> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ConfigError(`bad arguments: ${(err as Error).message}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  // An explicit --config or $CLICKRELAY_CONFIG must exist; the implicit ./config/clickrelay.toml
  // may be absent, and then the built-in defaults apply.
  const explicit = typeof values.config === 'string' ? values.config : process.env.CLICKRELAY_CONFIG;
  const implicit = defaultConfigPath({});
  const file = explicit || (existsSync(implicit) ? implicit : '');
  return {
    values: values as Record<keyof O, string | boolean | undefined>,
    help: values.help === true,
    config: () => loadConfig({ file, env: process.env }),
  };
}

export function usageError(message: string): never {
  throw new ClickrelayError('CR_ERR_CONFIG_INVALID', message);
}
