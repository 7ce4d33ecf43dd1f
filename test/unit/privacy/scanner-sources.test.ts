/**
 * The scanner evidence is generated, not typed: `npm run scanner-ranges` (a real child
 * process here) rebuilds exactly the committed module from the saved vendor publications, and
 * refuses a copy that does not say where and when it was taken or a range with host bits set.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const SCRIPT = join(ROOT, 'scripts/scanner-ranges.mjs');
const SOURCES = join(ROOT, 'data/scanner-sources');
const COMMITTED = join(ROOT, 'src/privacy/scanner-data.generated.ts');
const tmp = mkdtempSync(join(tmpdir(), 'cr-scanner-sources-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });

describe('scripts/scanner-ranges.mjs', () => {
  it('reproduces the committed src/privacy/scanner-data.generated.ts byte for byte', () => {
    const out = join(tmp, 'generated.ts');
    const r = run('--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(COMMITTED, 'utf8'));
  });

  it('every saved copy names its source and retrieval date first', () => {
    const files = readdirSync(SOURCES).sort();
    expect(files).toEqual(['barracuda.txt', 'microsoft.json', 'mimecast.txt', 'proofpoint.txt']);
    for (const f of files) {
      const text = readFileSync(join(SOURCES, f), 'utf8');
      const first = f.endsWith('.json') ? (JSON.parse(text) as { _source: string })._source : text.split('\n')[0]!;
      expect(first, f).toMatch(/^(# source: )?.*(https:\/\/|dns:TXT).*retrieved \d{4}-\d{2}-\d{2}/);
    }
    // A vendor whose current publication was not found says so, instead of a guess.
    expect(readFileSync(join(SOURCES, 'barracuda.txt'), 'utf8').split('\n')[0]).toMatch(/NOT FOUND CURRENT/);
  });

  it('refuses a range with host bits, an unknown line and a copy without source and date', () => {
    const dir = join(tmp, 'sources');
    const broken = (file: string, edit: (text: string) => string) => {
      rmSync(dir, { recursive: true, force: true });
      cpSync(SOURCES, dir, { recursive: true });
      writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), 'utf8')));
      return run('--sources', dir, '--out', join(tmp, 'never.ts'));
    };
    const hostBits = broken('mimecast.txt', (t) => t.replace('range ca 170.10.145.0/24', 'range ca 170.10.145.9/24'));
    expect(hostBits.status).not.toBe(0);
    expect(hostBits.stderr).toMatch(/mimecast\.txt: "170\.10\.145\.9\/24" has host bits set/);
    const unknown = broken('proofpoint.txt', (t) => `${t}\nrnage essentials 67.231.152.0/24\n`);
    expect(unknown.stderr).toMatch(/proofpoint\.txt: line \d+ is not "range <region> <CIDR>"/);
    const undated = broken('barracuda.txt', (t) => t.replace(/retrieved \d{4}-\d{2}-\d{2}/, 'retrieved some day'));
    expect(undated.stderr).toMatch(/barracuda\.txt: its source does not say "retrieved YYYY-MM-DD"/);
    const unsourced = broken('microsoft.json', (t) => t.replace('"_source"', '"_origin"'));
    expect(unsourced.stderr).toMatch(/microsoft\.json: has no "_source"/);
  });
});
