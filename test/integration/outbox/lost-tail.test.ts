/**
 * A damaged LAST commit of the WAL (issue #26). One flipped byte in the final commit frame
 * looks, to a scan of the WAL alone, like the torn tail a crash leaves, and SQLite's recovery
 * drops that transaction without a word: answered clicks gone. outbox.head is written after
 * every commit, before the redirects are answered, so it records them: `serve` refuses with
 * CR_ERR_OUTBOX_BEHIND_HEAD and `audit` fails, naming the lost tail.
 */
import Database from 'better-sqlite3';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHead } from '../../../src/outbox/index.js';
import { checkWal, WAL_FRAME_HEADER_BYTES, WAL_HEADER_BYTES } from '../../../src/outbox/wal-check.js';
import { refusalLines, runCli, serveEnv, waitReady } from '../../support/child-service.js';
import { waitFor } from '../../support/wait-for.js';
import { cli } from '../audit/cli.js';
import { oneLinkFolder } from '../../support/one-link-folder.js';

const { root, links } = oneLinkFolder('cr-lost-tail-', 'lt_tail');

/** Clicks over 16 connections until stopped; `answered` counts the 302s. */
function load(port: number) {
  let stopped = false;
  const answered = { count: 0 };
  const worker = async () => {
    while (!stopped) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/track/lt_tail`, { redirect: 'manual' })).status === 302) answered.count++;
      } catch {
        /* cut by the kill */
      }
    }
  };
  const all = Array.from({ length: 16 }, worker);
  return { answered, stop: async () => ((stopped = true), await Promise.all(all)) };
}

/** Rows SQLite shows once a writer has opened (a copy of) the folder and run WAL recovery. */
function rowsAfterRecovery(dir: string): number {
  const copy = `${dir}-look-${Date.now()}`;
  cpSync(dir, copy, { recursive: true });
  const db = new Database(join(copy, 'outbox.db'));
  try {
    return db.prepare('SELECT count(*) FROM clicks').pluck().get() as number;
  } finally {
    db.close();
    rmSync(copy, { recursive: true, force: true });
  }
}

/** Index of the last commit frame of the WAL's current generation, or -1. */
function lastCommitFrame(bytes: Buffer): { frame: number; frameBytes: number } {
  const frameBytes = WAL_FRAME_HEADER_BYTES + bytes.readUInt32BE(8);
  let last = -1;
  for (let i = 0; WAL_HEADER_BYTES + (i + 1) * frameBytes <= bytes.length; i++) {
    const at = WAL_HEADER_BYTES + i * frameBytes;
    if (bytes.readUInt32BE(at + 8) !== bytes.readUInt32BE(16) || bytes.readUInt32BE(at + 12) !== bytes.readUInt32BE(20)) break;
    if (bytes.readUInt32BE(at + 4) !== 0) last = i;
  }
  return { frame: last, frameBytes };
}

describe('one flipped byte in the last commit frame of outbox.db-wal after a SIGKILL under load', () => {
  it('is refused by serve and failed by audit as a lost tail', async () => {
    const dir = join(root, 'data');
    const wal = join(dir, 'outbox.db-wal');
    let lost = 0;
    // A kill just after a checkpoint, or one whose last commit held no click (a readiness
    // probe's), leaves nothing to lose in the last frame: then again.
    for (let attempt = 0; attempt < 5 && lost === 0; attempt++) {
      // One serving thread: the test damages outbox.db's WAL and reads its head; with more,
      // clicks would also go to outbox-1.db, whose writer competes for the core at the kill.
      const env = await serveEnv(dir, links, { CLICKRELAY_SERVER_THREADS: '1' });
      const child = runCli(['serve'], env);
      await waitReady(Number(env.CLICKRELAY_ADMIN_PORT), child);
      const l = load(Number(env.CLICKRELAY_SERVER_PORT));
      await waitFor('clicks to keep coming', () => l.answered.count >= 500, { timeoutMs: 40_000 });
      child.proc.kill('SIGKILL');
      await child.exited;
      await l.stop();
      expect(checkWal(wal), 'a SIGKILL alone leaves a sound WAL').toBeNull();
      const before = rowsAfterRecovery(dir);
      const headSeq = readHead(dir)!.seq;
      expect(headSeq, 'the head never claims more than was committed').toBeLessThanOrEqual(before);
      // Killed between a commit and its head write: that commit's clicks were not answered yet
      // (the head is written before the redirects go out), so nothing answered is at stake: again.
      if (headSeq < before) continue;

      const bytes = readFileSync(wal);
      const { frame, frameBytes } = lastCommitFrame(bytes);
      if (frame < 0) continue;
      const kept = Buffer.from(bytes);
      bytes[WAL_HEADER_BYTES + frame * frameBytes + WAL_FRAME_HEADER_BYTES + 100]! ^= 0x40;
      writeFileSync(wal, bytes);
      lost = before - rowsAfterRecovery(dir);
      if (lost === 0) writeFileSync(wal, kept); // nothing of a click in it: put it back, load again
    }
    expect(lost, 'the damaged last commit held answered clicks').toBeGreaterThan(0);
    // The WAL scan alone cannot tell this from a crash's torn tail: the head is what catches it.
    expect(checkWal(wal)).toBeNull();
    const head = readHead(dir)!.seq;

    const refused = runCli(['serve'], await serveEnv(dir, links, { CLICKRELAY_SERVER_THREADS: '1' }));
    expect(await refused.exited).toBe(1);
    const lines = refusalLines(refused.output());
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatch(/^clickrelay: CR_ERR_OUTBOX_BEHIND_HEAD: /);
    expect(line).toContain(`ends at position ${head - lost} but ${join(dir, 'outbox.head')} records position ${head}: ${lost} committed click(s) are not in it: a lost tail`);

    const a = await cli(['audit'], { CLICKRELAY_STORAGE_DATA_DIR: dir });
    expect(a.code).toBe(1);
    expect(a.stdout).toContain(`outbox.head records seq ${head}; the database ends at ${head - lost}: a lost tail of ${lost}`);
  }, 180_000);
});
