#!/usr/bin/env node
/**
 * `clickrelay <command>`: the one executable. Parses the command line, loads the
 * configuration, and hands over to the command's module. Exit codes: 0 success,
 * 1 the command's own failure (see each command), 2 usage or configuration error.
 */
import { ClickrelayError } from '../errors.js';
import { COMMANDS, usage } from './commands.js';
import { version } from './version.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`clickrelay ${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`clickrelay: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return command(rest);
}

/**
 * Every failure is one line with a code, whatever raised it: a sysadmin reads it in
 * `systemctl status` (which shows the last lines) and searches docs/errors.md for the code.
 * An error without a code of its own still names its errno and where it was raised.
 */
function oneLine(err: unknown): string {
  if (err instanceof ClickrelayError) return `clickrelay: ${err.code}: ${err.message}`;
  const e = err as NodeJS.ErrnoException | undefined;
  // The stages' own error classes (mirror, outbox) carry catalogued codes too.
  if (typeof e?.code === 'string' && e.code.startsWith('CR_ERR_')) return `clickrelay: ${e.code}: ${e.message.replace(` (${e.code})`, '').split('\n')[0]}`;
  const message = (e?.message ?? String(err)).split('\n')[0];
  const errno = e?.code ? ` (${e.code})` : '';
  const at = /\n\s+at (?:.*\()?(.+?:\d+):\d+\)?/.exec(e?.stack ?? '')?.[1];
  return `clickrelay: CR_ERR_UNEXPECTED: ${message}${errno}${at ? ` [at ${at}]` : ''}`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${oneLine(err)}\n`);
    process.exitCode = err instanceof ClickrelayError && err.code === 'CR_ERR_CONFIG_INVALID' ? 2 : 1;
  },
);
