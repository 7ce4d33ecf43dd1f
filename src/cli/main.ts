#!/usr/bin/env node
/**
 * `clickrelay <command>`: the one executable. Parses the command line, loads the
 * configuration, and hands over to the command's module. Exit codes: 0 success,
 * 1 the command's own failure (see each command), 2 usage or configuration error.
 */
import { ClickrelayError } from '../errors.js';
import { COMMANDS, usage } from './commands.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`clickrelay: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Every stage's errors (ClickrelayError, OutboxError, MirrorError) carry a catalogued code:
    // one line with it says more to an operator than a stack trace.
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('CR_ERR_')) process.stderr.write(`clickrelay: ${code}: ${(err as Error).message}\n`);
    else process.stderr.write(`clickrelay: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = err instanceof ClickrelayError && err.code === 'CR_ERR_CONFIG_INVALID' ? 2 : 1;
  },
);
