import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/main-system/http/api-key.js';
import { MainSystemClient } from '../../../src/main-system/http/client.js';
import { httpLinkLookup } from '../../../src/main-system/http/link-lookup.js';
import { MirrorIndexHolder } from '../../../src/mirror/table/link-index.js';
import { MissLookup, type MissOutcome } from '../../../src/mirror/lookup/miss-lookup.js';
import { mirrorPath } from '../../../src/mirror/store/mirror-path.js';
import { peekSyncState } from '../../../src/mirror/store/mirror-reader.js';
import { MirrorWriter } from '../../../src/mirror/store/mirror-writer.js';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { API_KEY, links, mirrorConfig, openMirror, removeTempDirs, tempDir } from './helpers.js';

let ms: RefMainSystem;
let client: MainSystemClient;
beforeEach(async () => {
  ms = await startRefMainSystem({ apiKey: API_KEY });
  client = new MainSystemClient({ baseUrl: ms.url, apiKey: new ApiKey(API_KEY, 'test'), timeoutMs: 2_000 });
});
afterEach(async () => {
  await client.close();
  await ms.close();
});
afterAll(removeTempDirs);

function lookup(over: Partial<ConstructorParameters<typeof MissLookup>[0]> = {}): { ml: MissLookup; holder: MirrorIndexHolder; outcomes: MissOutcome[] } {
  const holder = new MirrorIndexHolder();
  const outcomes: MissOutcome[] = [];
  const ml = new MissLookup({ lookup: httpLinkLookup(client), holder, enabled: true, timeoutMs: 1_000, ttlSeconds: 30, hooks: { onMissLookup: (o) => outcomes.push(o) }, ...over });
  return { ml, holder, outcomes };
}

describe('miss lookup', () => {
  it('adds a link the main system knows to the index', async () => {
    ms.setLink({ tracking_id: 'lt_fresh', original_url: 'https://example.com/fresh' });
    const { ml, holder, outcomes } = lookup();
    const got = await ml.lookupMiss('lt_fresh');
    expect(got).toMatchObject({ tracking_id: 'lt_fresh', original_url: 'https://example.com/fresh', is_active: true });
    expect(holder.lookup('lt_fresh')).toEqual({ url: 'https://example.com/fresh', active: true });
    expect(outcomes).toEqual(['hit']);
    expect(ms.requestLog.count('analytics')).toBe(1);
  });

  it('records an inactive link in the index but answers null for it', async () => {
    ms.setLink({ tracking_id: 'lt_off', original_url: 'https://example.com/off', is_active: false });
    const { ml, holder } = lookup();
    expect(await ml.lookupMiss('lt_off')).toBeNull();
    expect(holder.lookup('lt_off')).toEqual({ url: '', active: false });
    expect(await ml.lookupMiss('lt_off')).toBeNull();
    expect(ms.requestLog.count('analytics')).toBe(1);
    expect(ml.counters.hit).toBe(1);
  });

  it('remembers an unknown id: 100 lookups of it cost the main system one request', async () => {
    const { ml, outcomes } = lookup();
    for (let i = 0; i < 100; i++) expect(await ml.lookupMiss('lt_nobody')).toBeNull();
    expect(ms.requestLog.count('analytics')).toBe(1);
    expect(ml.counters).toMatchObject({ not_found: 1, cached_unknown: 99 });
    expect(outcomes[0]).toBe('not_found');
  });

  it('asks again once sync.miss_ttl_seconds have passed', async () => {
    let now = 1_000_000;
    const { ml } = lookup({ ttlSeconds: 30, now: () => now });
    await ml.lookupMiss('lt_later');
    now += 29_000;
    await ml.lookupMiss('lt_later');
    expect(ms.requestLog.count('analytics')).toBe(1);
    ms.setLink({ tracking_id: 'lt_later', original_url: 'https://example.com/later' });
    now += 2_000;
    expect(await ml.lookupMiss('lt_later')).not.toBeNull();
    expect(ms.requestLog.count('analytics')).toBe(2);
  });

  it('keeps the negative cache bounded, forgetting the oldest ids first', async () => {
    const { ml } = lookup({ negativeCacheMax: 3 });
    for (const id of ['u1', 'u2', 'u3', 'u4']) await ml.lookupMiss(id);
    expect(ml.negativeCacheSize).toBe(3);
    await ml.lookupMiss('u1'); // evicted: asked again
    await ml.lookupMiss('u4'); // still remembered
    expect(ms.requestLog.count('analytics')).toBe(5);
  });

  it('lets concurrent callers for one id share a single request', async () => {
    ms.setLink({ tracking_id: 'lt_hot', original_url: 'https://example.com/hot' });
    ms.faults.slowMs = 100;
    const { ml } = lookup();
    const all = await Promise.all(Array.from({ length: 20 }, () => ml.lookupMiss('lt_hot')));
    expect(all.every((l) => l?.original_url === 'https://example.com/hot')).toBe(true);
    expect(ms.requestLog.count('analytics')).toBe(1);
    expect(ml.counters.shared).toBe(19);
  });

  it('answers "unknown" at once when 8 lookups are in flight, instead of queueing a flood', async () => {
    ms.faults.slowMs = 300;
    const { ml } = lookup();
    const t0 = Date.now();
    const flood = Array.from({ length: 50 }, (_, i) => ml.lookupMiss(`lt_random_${i}`));
    expect(ml.inFlight).toBe(8);
    const results = await Promise.all(flood);
    expect(results.every((r) => r === null)).toBe(true);
    expect(ms.requestLog.count('analytics')).toBe(8);
    expect(ml.counters.saturated).toBe(42);
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it('treats a link_info that fails validation as unknown', async () => {
    ms.addRawLinks([{ tracking_id: 'lt_evil', original_url: 'javascript:alert(document.cookie)', is_active: true }]);
    const { ml, holder } = lookup();
    expect(await ml.lookupMiss('lt_evil')).toBeNull();
    expect(holder.lookup('lt_evil')).toBeUndefined();
    expect(ml.counters.invalid).toBe(1);
    await ml.lookupMiss('lt_evil');
    expect(ms.requestLog.count('analytics')).toBe(1);
  });

  it('gives up after sync.miss_timeout_ms and does not remember the id', async () => {
    ms.faults.slowMs = 800;
    const { ml } = lookup({ timeoutMs: 100 });
    const t0 = Date.now();
    expect(await ml.lookupMiss('lt_slow')).toBeNull();
    expect(Date.now() - t0).toBeLessThan(600);
    expect(ml.counters.timeout).toBe(1);
    expect(ml.negativeCacheSize).toBe(0);
  });

  it('reports a rejected key as auth_error and errors as error, answering unknown', async () => {
    const { ml } = lookup();
    ms.faults.unauthorized = true;
    expect(await ml.lookupMiss('lt_a')).toBeNull();
    ms.faults.unauthorized = false;
    ms.faults.status5xx = { count: 1 };
    expect(await ml.lookupMiss('lt_b')).toBeNull();
    expect(ml.counters).toMatchObject({ auth_error: 1, error: 1 });
  });

  it('does not ask at all for a malformed id, or when disabled', async () => {
    const { ml } = lookup();
    expect(await ml.lookupMiss('../../etc/passwd')).toBeNull();
    const off = lookup({ enabled: false }).ml;
    expect(await off.lookupMiss('lt_ok')).toBeNull();
    expect(ms.requestLog.count()).toBe(0);
  });

  it('persists a hit into mirror.db and makes the next sync fetch the full listing (no stale 304)', async () => {
    const dir = tempDir();
    ms.addLinks(links(3));
    const mirror = await openMirror({ config: mirrorConfig(dir, { main_system: { base_url: ms.url } }), apiKey: new ApiKey(API_KEY, 'test') });
    try {
      await mirror.sync();
      ms.setLink({ tracking_id: 'lt_new', original_url: 'https://example.com/new' });
      // the listing changed, but pretend the sync has not run yet: the redirect misses
      expect(await mirror.missLookup.lookupMiss('lt_new')).not.toBeNull();
      const db = new Database(mirrorPath(dir), { readonly: true });
      expect(db.prepare("SELECT original_url FROM link_tracking WHERE tracking_id = 'lt_new'").get()).toEqual({ original_url: 'https://example.com/new' });
      db.close();
      expect(peekSyncState(mirrorPath(dir))).toMatchObject({ fingerprint: null, etag: null });
      ms.removeLink('lt_new');
      ms.requestLog.clear();
      const r = await mirror.sync();
      expect(r).toMatchObject({ changed: true, removed: 1 });
      expect(mirror.lookup('lt_new')).toBeUndefined();
    } finally {
      await mirror.stop();
    }
  });

  it('a writer never writes into a mirror.db that replaced the one it opened', async () => {
    const dir = tempDir();
    ms.addLinks(links(2));
    const cfg = mirrorConfig(dir, { main_system: { base_url: ms.url } });
    const { runSync } = await import('./helpers.js');
    await runSync({ config: cfg, apiKey: new ApiKey(API_KEY, 't') });
    const writer = new MirrorWriter(dir);
    expect(writer.pin()).toBe(true);
    ms.setLink({ tracking_id: 'lt_b2', original_url: 'https://example.com/b2' });
    await runSync({ config: cfg, apiKey: new ApiKey(API_KEY, 't') }); // swaps a new file in under the writer
    expect(writer.upsert({ tracking_id: 'lt_w', original_url: 'https://example.com/w', is_active: true })).toBe(true);
    const db = new Database(mirrorPath(dir), { readonly: true });
    const ids = (db.prepare('SELECT tracking_id FROM link_tracking ORDER BY 1').all() as { tracking_id: string }[]).map((r) => r.tracking_id);
    db.close();
    writer.close();
    expect(ids).toEqual(['lt_0000', 'lt_0001', 'lt_b2', 'lt_w']); // it reopened the new file
  });
});
