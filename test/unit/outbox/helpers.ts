/** Shared set-up for outbox tests: temp data dirs, clicks, and an outbox that is always closed. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterEach } from 'vitest';
import { Outbox, type OutboxOptions } from '../../../src/outbox/outbox.js';
import type { ClickRecord } from '../../../src/types.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clickrelay-outbox-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let n = 0;
export function click(over: Partial<ClickRecord> = {}): ClickRecord {
  n++;
  return {
    click_id: uuidv7(),
    tracking_id: `lt_test${n % 7}`,
    clicked_at: new Date().toISOString(),
    ip_address: '203.0.113.0',
    user_agent: 'Chrome 120 / Windows',
    referrer_url: 'https://mail.google.com',
    session_id: `s${n}`,
    click_source: 'email',
    metadata: { utm_source: 'news', utm_medium: 'email' },
    anonymous: false,
    ...over,
  };
}

export async function openOutbox(dataDir: string, opts: Partial<OutboxOptions> = {}): Promise<Outbox> {
  const outbox = await Outbox.open({ dataDir, durability: 'fast', commitIntervalMs: 5, ...opts });
  cleanups.push(() => outbox.close());
  return outbox;
}

/** Records the clicks and resolves once all have committed (rejects on the first write error). */
export function recordAll(outbox: Outbox, clicks: readonly ClickRecord[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = clicks.length;
    if (left === 0) resolve();
    for (const c of clicks) {
      outbox.record(c, (err) => {
        if (err) reject(err);
        else if (--left === 0) resolve();
      });
    }
  });
}

/** A separate connection, as someone with the sqlite3 shell would have. */
export function sqlite(dataDir: string): Database.Database {
  const db = new Database(join(dataDir, 'outbox.db'));
  cleanups.push(() => db.close());
  return db;
}

/** An outbox holding `count` committed clicks, closed again; returns the clicks in seq order. */
export async function filledOutbox(dataDir: string, count: number, over: (i: number) => Partial<ClickRecord> = () => ({})): Promise<ClickRecord[]> {
  const outbox = await Outbox.open({ dataDir, durability: 'fast', commitIntervalMs: 5 });
  const clicks = Array.from({ length: count }, (_, i) => click(over(i)));
  await recordAll(outbox, clicks);
  await outbox.close();
  return clicks;
}

/**
 * Marks the given clicks shipped, as the shipper would: the outbox acknowledges by seq, so
 * their seqs are read back first. Ids that are not pending are skipped (as they would be).
 */
export async function ackClicks(outbox: Outbox, clickIds: readonly string[], at?: Date): Promise<number> {
  const seqOf = new Map((await outbox.takePending(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).map((r) => [r.click.click_id, r.seq]));
  return outbox.ackShipped(clickIds.flatMap((id) => seqOf.get(id) ?? []), at);
}
