/**
 * A damaged disk, through the real CLI on real files (issue #12): a deleted or emptied
 * outbox.db under a head that records clicks, one flipped byte in the WAL of a SIGKILLed
 * serve, garbage in the middle of outbox.db, a truncated file and a bad header. `serve`
 * refuses each with one coded line (no stack) until told --accept-new-outbox; `audit`
 * reports each as a violation said first, and never crashes. And (issue #16) an audit of
 * nothing — a wrong folder, or outbox and head both deleted — fails.
 */
import Database from 'better-sqlite3';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHead } from '../../../src/outbox/index.js';
import { checkWal, WAL_FRAME_HEADER_BYTES, WAL_HEADER_BYTES } from '../../../src/outbox/wal-check.js';
import { assertBuilt, refusalLines, runCli, serveEnv, waitReady, type Child } from '../../support/child-service.js';
import { waitFor } from '../../support/wait-for.js';
import { cli } from '../audit/cli.js';

let root = '';
let links = '';
/** A data folder after a clean serve run that recorded CLICKS clicks. */
let clean = '';
const CLICKS = 300;

beforeAll(async () => {
  assertBuilt();
  root = mkdtempSync(join(tmpdir(), 'cr-damaged-'));
  links = join(root, 'links.json');
  writeFileSync(links, JSON.stringify([{ tracking_id: 'lt_disk', original_url: 'https://example.com/', is_active: true }]));
  clean = join(root, 'clean');
  const s = await startServe(clean);
  await click(s.port, CLICKS);
  s.child.proc.kill('SIGTERM');
  expect(await s.child.exited).toBe(0);
  expect(readHead(clean)?.seq).toBe(CLICKS);
}, 60_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

// One serving thread: the damage is made to outbox.db and its head, so every click must be in
// that shard (with server.threads > 1 they spread over outbox-<k>.db too).
const envFor = (dataDir: string, more: Record<string, string> = {}) => serveEnv(dataDir, links, { CLICKRELAY_SERVER_THREADS: '1', ...more });

async function startServe(dataDir: string, args: string[] = []): Promise<{ child: Child; port: number }> {
  const env = await envFor(dataDir);
  const child = runCli(['serve', ...args], env);
  await waitReady(Number(env.CLICKRELAY_ADMIN_PORT), child);
  return { child, port: Number(env.CLICKRELAY_SERVER_PORT) };
}

/** `n` redirects, 16 at a time; each 302 means its click is committed (durable, the default). */
/** `n` clicks over 16 connections; `answered` counts the redirects received so far. */
async function click(port: number, n: number, answered = { count: 0 }): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const r = await fetch(`http://127.0.0.1:${port}/track/lt_disk`, { redirect: 'manual' });
      expect(r.status).toBe(302);
      answered.count++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** serve on `dataDir` that must refuse: its exit code and everything it printed. */
async function refusedServe(dataDir: string): Promise<{ code: number | null; out: string }> {
  const child = runCli(['serve'], await envFor(dataDir));
  const code = await child.exited;
  return { code, out: child.output() };
}

function copyOf(name: string, from = clean): string {
  const dir = join(root, name);
  cpSync(from, dir, { recursive: true });
  return dir;
}

/** Rows as SQLite shows them once a writer has opened the folder (and run WAL recovery). */
function rowsAfterRecovery(dir: string): number {
  const db = new Database(join(dir, 'outbox.db'));
  try {
    return db.prepare('SELECT count(*) FROM clicks').pluck().get() as number;
  } finally {
    db.close();
  }
}

const audit = (dir: string) => cli(['audit'], { CLICKRELAY_STORAGE_DATA_DIR: dir });

/** The lines before the report's body: what the audit says first. */
const headline = (stdout: string): string => stdout.slice(0, stdout.indexOf('checked at'));

function expectOneCodedLine(r: { code: number | null; out: string }, code: string): void {
  expect(r.code, r.out).toBe(1);
  const lines = refusalLines(r.out);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^clickrelay: ${code}: `));
  expect(r.out).not.toMatch(/\n\s+at /); // no stack trace
}

describe('an outbox.db deleted or emptied under a head that records clicks', () => {
  it('is refused by serve with one line naming the files and the way out, and nothing is created', async () => {
    for (const how of ['deleted', 'emptied'] as const) {
      const dir = copyOf(`gone-${how}`);
      if (how === 'deleted') rmSync(join(dir, 'outbox.db'));
      else writeFileSync(join(dir, 'outbox.db'), '');
      const r = await refusedServe(dir);
      expectOneCodedLine(r, 'CR_ERR_OUTBOX_BEHIND_HEAD');
      expect(r.out).toContain(`${join(dir, 'outbox.db')} is ${how === 'deleted' ? 'missing' : 'empty'}`);
      expect(r.out).toContain(`outbox.head records ${CLICKS}`);
      expect(r.out).toContain('--accept-new-outbox');
      expect(existsSync(join(dir, 'outbox.db'))).toBe(how === 'emptied');
      expect(readHead(dir)?.seq).toBe(CLICKS);
    }
  }, 30_000);

  it('starts on a new outbox only with --accept-new-outbox, says so, and the audit keeps the gap', async () => {
    const dir = copyOf('gone-accepted');
    rmSync(join(dir, 'outbox.db'));
    const s = await startServe(dir, ['--accept-new-outbox']);
    await click(s.port, 3);
    s.child.proc.kill('SIGTERM');
    expect(await s.child.exited).toBe(0);
    const accepted = s.child.output().split('\n').filter((l) => l.includes('outbox_loss_accepted'));
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toContain('--accept-new-outbox');
    const r = await cli(['audit', '--json'], { CLICKRELAY_STORAGE_DATA_DIR: dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).violations).toEqual([expect.objectContaining({ rule: 'chain.deleted', seq: 1, detail: expect.stringContaining(`1..${CLICKS}`) })]);
  }, 30_000);
});

describe('one flipped byte in outbox.db-wal after a SIGKILL', () => {
  it('is found by serve (refused, WAL left untouched) and by audit, though SQLite drops the clicks silently', async () => {
    const dir = join(root, 'wal');
    const wal = join(dir, 'outbox.db-wal');
    // Killed while clicks keep coming, so the WAL holds frames no checkpoint has copied yet. A
    // kill just after a checkpoint restarted the WAL finds too few of them: then again.
    let bytes = Buffer.alloc(0);
    let frameBytes = 0;
    let frames = 0;
    for (let attempt = 0; attempt < 5 && frames <= 30; attempt++) {
      const s = await startServe(dir);
      await click(s.port, 1500);
      const answered = { count: 0 };
      const more = click(s.port, 100_000, answered).catch(() => undefined);
      await waitFor('clicks to keep coming', () => answered.count >= 200); // killed while they do
      s.child.proc.kill('SIGKILL');
      await s.child.exited;
      await more;
      expect(checkWal(wal), 'a SIGKILL alone leaves a sound WAL').toBeNull();
      bytes = readFileSync(wal);
      frameBytes = WAL_FRAME_HEADER_BYTES + bytes.readUInt32BE(8);
      // Frames of the current generation (the header's salts); older ones past them are ignored.
      frames = 0;
      while (WAL_HEADER_BYTES + (frames + 1) * frameBytes <= bytes.length && bytes.readUInt32BE(WAL_HEADER_BYTES + frames * frameBytes + 8) === bytes.readUInt32BE(16)) frames++;
    }
    expect(frames).toBeGreaterThan(30);
    const victim = Math.floor(frames / 3);
    const acknowledged = rowsAfterRecovery(copyOf('wal-before', dir));
    bytes[WAL_HEADER_BYTES + victim * frameBytes + WAL_FRAME_HEADER_BYTES + 500]! ^= 0x40;
    writeFileSync(wal, bytes);

    // What SQLite makes of it on its own (a copy, so the evidence stays): the first writer to
    // open it runs recovery, and acknowledged rows are gone without an error.
    expect(rowsAfterRecovery(copyOf('wal-look', dir))).toBeLessThan(acknowledged);

    const refused = await refusedServe(dir);
    expectOneCodedLine(refused, 'CR_ERR_OUTBOX_WAL_DAMAGED');
    expect(refused.out).toContain(`${wal} is damaged at frame ${victim + 1}`);
    const a = await audit(dir);
    expect(a.code).toBe(1);
    expect(a.stderr).toBe('');
    expect(headline(a.stdout)).toContain(`outbox.damaged: ${wal} is damaged at frame ${victim + 1}`);
    expect(readFileSync(wal).equals(bytes), 'neither serve nor audit rewrote the damaged WAL').toBe(true);

    // Accepted: serve starts, keeps the damaged WAL as evidence, and the audit still says so.
    const again = await startServe(dir, ['--accept-new-outbox']);
    again.child.proc.kill('SIGTERM');
    expect(await again.child.exited).toBe(0);
    expect(again.child.output()).toContain('outbox_loss_accepted');
    const after = await audit(dir);
    expect(after.code).toBe(1);
    expect(headline(after.stdout)).toMatch(/outbox\.damaged: .*outbox\.db-wal\.damaged-.* was set aside/);
  }, 60_000);
});

describe('a damaged outbox.db', () => {
  const cases: [string, (file: string) => void, string][] = [
    [
      'garbage in the middle',
      (file) => {
        const b = readFileSync(file);
        b.fill(0xab, Math.floor(b.length / 2), Math.floor(b.length / 2) + 8192);
        writeFileSync(file, b);
      },
      'CR_ERR_OUTBOX_CORRUPT',
    ],
    ['truncated', (file) => truncateSync(file, Math.floor(readFileSync(file).length / 3)), 'CR_ERR_OUTBOX_CORRUPT'],
    [
      'a bad header',
      (file) => {
        const b = readFileSync(file);
        b.write('not a database!!', 0);
        writeFileSync(file, b);
      },
      'CR_ERR_OUTBOX_OPEN',
    ],
  ];
  for (const [name, damage, code] of cases) {
    it(`with ${name}: serve refuses with ${code}, audit reports it without a stack trace`, async () => {
      const dir = copyOf(`db-${name.replace(/\W/g, '-')}`);
      damage(join(dir, 'outbox.db'));
      const r = await refusedServe(dir);
      expectOneCodedLine(r, code);
      expect(r.out).toContain(join(dir, 'outbox.db'));
      const a = await audit(dir);
      expect(a.code).toBe(1);
      expect(a.stderr).toBe('');
      expect(headline(a.stdout)).toContain('outbox.damaged: ');
    }, 30_000);
  }
});

describe('an audit of nothing (issue #16)', () => {
  it('fails on a data folder that does not exist, saying so first', async () => {
    const a = await audit(join(root, 'no-such-folder'));
    expect(a.code).toBe(1);
    expect(a.stdout.split('\n')[0]).toContain('FAILED');
    expect(headline(a.stdout)).toContain(`outbox.missing: the data folder ${join(root, 'no-such-folder')} does not exist`);
  });

  it('fails when outbox.db and outbox.head are both deleted', async () => {
    const dir = copyOf('both-gone');
    rmSync(join(dir, 'outbox.db'));
    rmSync(join(dir, 'outbox.head'));
    const a = await cli(['audit', '--json'], { CLICKRELAY_STORAGE_DATA_DIR: dir });
    expect(a.code).toBe(1);
    expect(Object.keys(JSON.parse(a.stdout).violation_counts)).toEqual(['outbox.missing', 'chain.head_missing']);
  });

  it('passes the folder serve left behind, and flags click data made readable by others', async () => {
    const dir = copyOf('modes');
    expect((await audit(dir)).code).toBe(0);
    chmodSync(join(dir, 'outbox.db'), 0o644);
    chmodSync(dir, 0o755);
    const a = await cli(['audit', '--json'], { CLICKRELAY_STORAGE_DATA_DIR: dir });
    expect(a.code).toBe(1);
    const v = JSON.parse(a.stdout).violations as { rule: string; detail: string }[];
    expect(v.filter((x) => x.rule === 'outbox.file_mode').map((x) => x.detail.split(' has mode ')[0])).toEqual([dir, join(dir, 'outbox.db')]);
  });
});
