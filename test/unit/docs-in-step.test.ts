/**
 * The words that describe the code stay in step with it where the two can be compared (#25):
 * every command and flag the CLI parses is in the top-level --help and in the README's
 * command table, every audit rule is in docs/privacy.md. (docs/errors.md against the error
 * catalogue: test/unit/errors.test.ts; config/clickrelay.toml against the schema:
 * test/unit/config/load.test.ts.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULE_ORDER } from '../../src/audit/rules.js';
import { COMMANDS, SUMMARIES, usage } from '../../src/cli/commands.js';

const COMMAND_DIR = 'src/cli/commands';

/** The flags each command's parseCommand call declares (--config and --help are every command's). */
function parsedFlags(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of readdirSync(COMMAND_DIR).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(COMMAND_DIR, file), 'utf8');
    const call = /parseCommand\(\w+, \{(.*)\}\);/.exec(text);
    if (!call) continue;
    const flags = [...call[1]!.matchAll(/'?([a-z][a-z-]*)'?: \{ type:/g)].map((m) => m[1]!);
    out.set(basename(file, '.ts'), flags);
  }
  return out;
}

/** The README's command table rows whose first cell names `clickrelay <command>`: the first cells. */
function readmeRows(command: string): string[] {
  const readme = readFileSync('README.md', 'utf8');
  return [...readme.matchAll(/^\| `clickrelay ([a-z-]+)([^`]*)` \|/gm)].filter((m) => m[1] === command).map((m) => m[2]!);
}

describe('docs in step with the code', () => {
  const flags = parsedFlags();

  it('finds the parser of every command (the scan below would miss a renamed call)', () => {
    expect([...flags.keys()].sort()).toEqual(Object.keys(COMMANDS).sort());
  });

  it('names every command and every flag it parses in the top-level --help', () => {
    const text = usage().replace(/\n\s+/g, ' '); // unwrapped
    for (const [command, list] of flags) {
      const entry = Object.keys(SUMMARIES).find((k) => k === command || k.startsWith(`${command} `));
      expect(entry, `clickrelay ${command} in --help`).toBeDefined();
      expect(text).toContain(`clickrelay ${entry}`);
      for (const flag of list) expect(entry, `--${flag} of ${command} in --help`).toContain(`--${flag}`);
    }
    // and no entry for a command that does not exist
    for (const k of Object.keys(SUMMARIES)) expect(Object.keys(COMMANDS)).toContain(k.split(' ')[0]);
  });

  it("names every command and every flag it parses in the README's command table", () => {
    for (const [command, list] of flags) {
      const rows = readmeRows(command);
      expect(rows.length, `a README row for clickrelay ${command}`).toBeGreaterThan(0);
      for (const flag of list) expect(rows.join(' '), `--${flag} of ${command} in the README table`).toContain(`--${flag}`);
    }
  });

  it('lists every audit rule in docs/privacy.md', () => {
    const doc = readFileSync('docs/privacy.md', 'utf8');
    for (const rule of RULE_ORDER) expect(doc, rule).toContain(`\`${rule}\``);
  });
});
