/**
 * A key collision in the writer is a bug, not a full disk (issue #26): a row put at the next
 * position behind the writer's back (what a second writer on the file did) makes the next
 * commit fail. Its click is answered as not stored (durable fail-closed: 503; fail-open: 302
 * but counted as a write error, never as recorded), the log names CR_ERR_OUTBOX_COLLISION,
 * and the writer re-reads its tip, so the click after it is stored again.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openOutboxReadOnly } from '../../../src/outbox/index.js';
import { runCli, serveEnv, waitReady } from '../../support/child-service.js';
import { waitFor } from '../../support/wait-for.js';
import { oneLinkFolder } from '../../support/one-link-folder.js';

const { root, links } = oneLinkFolder('cr-collide-', 'lt_key');

/** Puts a copy of the newest row at the next position, with a click_id of its own. */
function takeNextPosition(dataDir: string): number {
  const db = new Database(join(dataDir, 'outbox.db'));
  try {
    db.pragma('busy_timeout = 5000');
    const cols = (db.prepare('PRAGMA table_info(clicks)').all() as { name: string }[]).map((c) => c.name).filter((c) => c !== 'seq' && c !== 'click_id');
    const next = (db.prepare('SELECT max(seq) FROM clicks').pluck().get() as number) + 1;
    db.prepare(`INSERT INTO clicks (seq, click_id, ${cols.join(', ')}) SELECT ?, '01900000-0000-7000-8000-00000000c011', ${cols.join(', ')} FROM clicks ORDER BY seq DESC LIMIT 1`).run(next);
    return next;
  } finally {
    db.close();
  }
}

const metric = async (admin: number, name: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
};

describe.each(['fail-closed', 'fail-open'])('a key collision in the writer (on_write_error = %s)', (mode) => {
  it('answers the click as not stored, logs CR_ERR_OUTBOX_COLLISION, and stores the next one', async () => {
    const data = join(root, mode);
    // One serving thread: the collision is made in outbox.db, so the clicks must all be written
    // by that shard's writer (with server.threads > 1 they spread over outbox-<k>.db, whose
    // writers would never meet the foreign row).
    const env = await serveEnv(data, links, { CLICKRELAY_SERVER_THREADS: '1', CLICKRELAY_OUTBOX_ON_WRITE_ERROR: mode, CLICKRELAY_OUTBOX_DURABILITY: 'durable' });
    const admin = Number(env.CLICKRELAY_ADMIN_PORT);
    const url = (tag: string) => `http://127.0.0.1:${env.CLICKRELAY_SERVER_PORT}/track/lt_key?utm_content=${tag}`;
    const child = runCli(['serve'], env);
    await waitReady(admin, child);
    expect((await fetch(url('before'), { redirect: 'manual' })).status).toBe(302);

    const taken = takeNextPosition(data);
    const collided = await fetch(url('collided'), { redirect: 'manual' });
    expect(collided.status).toBe(mode === 'fail-closed' ? 503 : 302);
    await waitFor('the collision in the log', () => child.output().includes('CR_ERR_OUTBOX_COLLISION'));
    const line = child.output().split('\n').find((l) => l.includes('CR_ERR_OUTBOX_COLLISION'))!;
    expect(line).toContain('click_write_failed');
    expect(line).toContain('not a full disk');
    expect(await metric(admin, 'clickrelay_clicks_recorded_total')).toBe(1);
    expect(await metric(admin, 'clickrelay_click_write_errors_total')).toBe(1);

    expect((await fetch(url('after'), { redirect: 'manual' })).status).toBe(302);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    const ro = openOutboxReadOnly(data);
    const rows = [...ro.clicks()].map((c) => [c.seq, c.click.metadata.utm_content ?? null]);
    ro.close();
    expect(rows.map((r) => r[1])).toEqual(['before', 'before', 'after']); // the foreign copy at `taken` sits between
    expect(rows[1]![0]).toBe(taken);
  }, 60_000);
});
