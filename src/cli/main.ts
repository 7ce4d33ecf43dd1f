#!/usr/bin/env node
/**
 * `clickrelay <command>`: the one executable. Parses the command line, loads the
 * configuration, and hands over to the command's module. Exit codes: 0 success,
 * 1 the command's own failure (see each command), 2 usage or configuration error (any
 * error whose catalogued code is flagged `config`, wherever it is found). Every failure
 * that reaches here is printed as one coded line (one-line.ts).
 */
import { COMMANDS, usage } from './commands.js';
import { codedLine, exitCodeOf } from './one-line.js';
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Whatever stage raised it: a ClickrelayError of any area, or anything else (coded UNEXPECTED).
    process.stderr.write(`clickrelay: ${codedLine(err)}\n`);
    process.exitCode = exitCodeOf(err);
    // A stage half-started before the failure (serve's outbox writer, the mirror thread, a
    // timer) would keep the process alive with its error already printed: systemd would see
    // a hung start, not a failed one. Unref'd, so a clean failure exits at once as before;
    // the outbox is crash-safe, so ending it here loses nothing committed.
    setTimeout(() => process.exit(), 1000).unref();
  },
);
