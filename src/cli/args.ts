/** Shared command-line parsing: every command takes --config FILE and --help. */
import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defaultConfigPath, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ClickrelayError, ConfigError } from '../errors.js';
import { actAsDataDirOwner } from '../fs/act-as-owner.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<V> {
  values: V;
  /** The configuration, the process acting as the data folder's owner from here on (fs/act-as-owner.ts). */
  config: () => Config;
  /**
   * The configuration only, as whoever runs the command: for `sync` and `ship --once`, which
   * first look for a running serve to ask (nothing opened here, nothing to switch for), and
   * call `actAsOwner` before doing the work themselves.
   */
  loadConfig: () => Config;
  actAsOwner: (config: Config) => void;
  help: boolean;
}

/**
 * `writes`: the command creates or changes files in storage.data_dir. Either way, a command run
 * as root acts as the data folder's owner from the moment the configuration is read
 * (fs/act-as-owner.ts); one that writes refuses when it cannot.
 */
export function parseCommand<O extends Options>(argv: string[], options: O, opts: { writes?: boolean } = {}): Parsed<Record<keyof O, string | boolean | undefined>> {
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
  const load = (): Config => loadConfig({ file, env: process.env });
  const actAsOwner = (config: Config): void => {
    const command = [process.execPath, ...process.argv.slice(1)].join(' ');
    actAsDataDirOwner(config.storage.data_dir, { writes: opts.writes === true, command });
  };
  return {
    values: values as Record<keyof O, string | boolean | undefined>,
    help: values.help === true,
    config: () => {
      const config = load();
      actAsOwner(config);
      return config;
    },
    loadConfig: load,
    actAsOwner,
  };
}

export function usageError(message: string): never {
  throw new ClickrelayError('CR_ERR_CONFIG_INVALID', message);
}

/** Terminal width the help text is written for: a classic 80-column terminal. */
export const HELP_WIDTH = 80;

/**
 * Wraps each line to HELP_WIDTH columns, continuation lines indented like the line's own
 * text plus two, so help written as one long sentence still reads on an 80-column console.
 */
export function wrapText(text: string, width = HELP_WIDTH): string {
  return text
    .split('\n')
    .flatMap((line) => {
      if (line.length <= width) return [line];
      const indent = /^\s*/.exec(line)![0];
      const [first = '', ...words] = line.slice(indent.length).split(' ').filter((w, i) => i === 0 || w !== '');
      const out: string[] = [];
      let cur = indent + first;
      for (const word of words) {
        if (cur.length + 1 + word.length > width) {
          out.push(cur);
          cur = `${indent}  ${word}`;
        } else cur += ` ${word}`;
      }
      out.push(cur);
      return out;
    })
    .join('\n');
}

export function printHelp(text: string): void {
  process.stdout.write(wrapText(text));
}
