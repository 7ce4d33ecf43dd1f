import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/main-system/http/api-key.js';
import { MirrorError } from '../../../src/mirror/errors.js';
import { MirrorIndexHolder } from '../../../src/mirror/table/link-index.js';
import { readMirrorStatus, readSyncRecord } from '../../../src/mirror/store/sync-record.js';
import { loadMirror } from '../../../src/mirror/build/build-thread.js';
import { mirrorPath } from '../../../src/mirror/store/mirror-path.js';
import { peekSyncState } from '../../../src/mirror/store/mirror-reader.js';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { API_KEY, fileFacts, links, mirrorConfig, removeTempDirs, tempDir, runSync, type TestMirrorConfig as MirrorConfig } from './helpers.js';

let ms: RefMainSystem;
let dir: string;
let cfg: MirrorConfig;
let holder: MirrorIndexHolder;
const key = new ApiKey(API_KEY, 'test');

beforeEach(async () => {
  ms = await startRefMainSystem({ apiKey: API_KEY });
  dir = tempDir();
  // A timeout no busy machine reaches by accident: only the timeout test shortens it.
  cfg = mirrorConfig(dir, { main_system: { base_url: ms.url, timeout_ms: 10_000 }, sync: { page_size: 3 } });
  holder = new MirrorIndexHolder();
});
afterEach(async () => {
  await ms.close();
});
afterAll(removeTempDirs);

const sync = () => runSync({ config: cfg, holder, apiKey: key });

/** Run a sync expected to fail; return the error. */
async function failingSync(): Promise<MirrorError> {
  const err = await sync().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MirrorError);
  return err as MirrorError;
}

function expectNoKey(err: MirrorError): void {
  const everything = [err.message, err.stack ?? '', JSON.stringify(err), inspect(err, { depth: 10 }), String((err as { cause?: unknown }).cause ?? '')].join('\n');
  expect(everything).not.toContain(API_KEY);
}

describe('sync over HTTP from the main system', () => {
  it('follows next_cursor across pages until the listing ends and mirrors every link', async () => {
    ms.addLinks(links(10));
    const r = await sync();
    expect(r).toMatchObject({ changed: true, added: 10, removed: 0, active: 10, inactive: 0, source: `${ms.url}/` });
    expect(ms.requestLog.count('links')).toBe(4); // 3 + 3 + 3 + 1
    for (let i = 0; i < 10; i++) expect(holder.lookup(`lt_${String(i).padStart(4, '0')}`)).toBeDefined();
    expect(holder.lookup('lt_0009')).toEqual({ url: 'https://example.com/jobs/9', active: true });
    const loaded = await loadMirror(dir);
    expect(loaded.index.size).toBe(10);
    expect(loaded.state).toMatchObject({ links: 10, active: 10, inactive: 0, source: `${ms.url}/` });
  });

  // Changed on purpose (issue #16): mirror.db keeps what the redirect and the guide's
  // link_info need; the free text only when sync.store_descriptions asks for it.
  it('sends the Bearer key on every request and keeps the link_info columns, without free text, in mirror.db', async () => {
    ms.addLinks([{ tracking_id: 'lt_full', original_url: 'https://linkedin.com/in/x', link_function: 'LinkedIn', link_type: 'profile', job_id: 'j-1', application_id: 'a-1', description: 'Private note about Jane', created_by: 'jane.doe' }]);
    await sync();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(mirrorPath(dir), { readonly: true });
    const row = db.prepare('SELECT * FROM link_tracking').get() as Record<string, unknown>;
    db.close();
    expect(row).toEqual({
      tracking_id: 'lt_full', original_url: 'https://linkedin.com/in/x', link_function: 'LinkedIn', link_type: 'profile',
      job_id: 'j-1', application_id: 'a-1', is_active: 1, description: null, created_by: null,
    });
    const bytes = readFileSync(mirrorPath(dir));
    expect(bytes.includes('Private note about Jane')).toBe(false);
    expect(bytes.includes('jane.doe')).toBe(false);
  });

  it('keeps description and created_by when sync.store_descriptions = true', async () => {
    ms.addLinks([{ tracking_id: 'lt_full', original_url: 'https://linkedin.com/in/x', description: 'd', created_by: 'me' }]);
    await runSync({ config: mirrorConfig(dir, { main_system: { base_url: ms.url }, sync: { store_descriptions: true } }), apiKey: key });
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(mirrorPath(dir), { readonly: true });
    const row = db.prepare('SELECT description, created_by FROM link_tracking').get() as Record<string, unknown>;
    db.close();
    expect(row).toEqual({ description: 'd', created_by: 'me' });
  });

  it('propagates an added, a changed, a deactivated and a removed link to lookups and counts them', async () => {
    ms.addLinks(links(5));
    await sync();
    ms.setLink({ tracking_id: 'lt_new', original_url: 'https://example.com/new' });
    ms.setLink({ tracking_id: 'lt_0001', original_url: 'https://example.com/moved' });
    ms.setLink({ tracking_id: 'lt_0002', original_url: 'https://example.com/jobs/2', is_active: false });
    ms.removeLink('lt_0003');
    const r = await sync();
    expect(r).toMatchObject({ changed: true, added: 1, removed: 1, changedUrl: 1, deactivated: 1, reactivated: 0, active: 4, inactive: 1 });
    expect(holder.lookup('lt_new')).toEqual({ url: 'https://example.com/new', active: true });
    expect(holder.lookup('lt_0001')).toEqual({ url: 'https://example.com/moved', active: true });
    expect(holder.lookup('lt_0002')).toEqual({ url: '', active: false });
    expect(holder.lookup('lt_0003')).toBeUndefined();
    ms.setLink({ tracking_id: 'lt_0002', original_url: 'https://example.com/jobs/2', is_active: true });
    expect(await sync()).toMatchObject({ reactivated: 1, deactivated: 0 });
  });

  it('skips and counts bad rows by reason without aborting the sync', async () => {
    ms.addLinks(links(3));
    ms.addRawLinks([
      { tracking_id: 'bad id!', original_url: 'https://example.com', is_active: true },
      { tracking_id: 'lt_js', original_url: 'javascript:alert(1)', is_active: true },
      { tracking_id: 'lt_noactive', original_url: 'https://example.com' },
      { tracking_id: 'lt_crlf', original_url: 'https://example.com/\r\nSet-Cookie: x=1', is_active: true },
      'not an object',
    ]);
    const r = await sync();
    expect(r.active).toBe(3);
    expect(r.rejected).toEqual({ bad_tracking_id: 1, bad_url_scheme: 1, missing_is_active: 1, url_has_control_chars: 1, not_an_object: 1 });
    expect(holder.lookup('lt_js')).toBeUndefined();
    expect(peekSyncState(mirrorPath(dir))?.rejected).toEqual(r.rejected);
  });

  it('answers "unchanged" on a 304 and leaves mirror.db untouched (same inode, same mtime)', async () => {
    ms.addLinks(links(7));
    await sync();
    const before = fileFacts(mirrorPath(dir));
    ms.requestLog.clear();
    const r = await sync();
    expect(r).toMatchObject({ changed: false, unchangedBy: 'etag', active: 7, added: 0, removed: 0 });
    expect(ms.requestLog.entries.map((e) => e.status)).toEqual([304]); // one request, nothing paged
    expect(fileFacts(mirrorPath(dir))).toEqual(before);
  });

  it('does not rewrite mirror.db when the listing changed version but not content (fingerprint)', async () => {
    ms.addLinks(links(4));
    await sync();
    const before = fileFacts(mirrorPath(dir));
    ms.setLink({ tracking_id: 'lt_0000', original_url: 'https://example.com/jobs/0', created_at: peekCreatedAt('lt_0000') }); // same data, new ETag
    const r = await sync();
    expect(r).toMatchObject({ changed: false, unchangedBy: 'fingerprint' });
    expect(fileFacts(mirrorPath(dir))).toEqual(before);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('records every outcome in mirror-sync.json and reports it through readMirrorStatus', async () => {
    ms.addLinks(links(3, 'lt_', (i) => ({ is_active: i !== 0 })));
    await sync();
    ms.faults.status5xx = { count: 1 };
    await failingSync();
    const rec = readSyncRecord(dir);
    expect(rec.last_success_at).not.toBeNull();
    expect(rec.last_error).toMatchObject({ code: 'CR_ERR_MIRROR_HTTP_STATUS' });
    const st = readMirrorStatus(dir);
    expect(st).toMatchObject({ links: 3, active: 2, inactive: 1, source: `${ms.url}/` });
    expect(st.last_sync).toBe(rec.last_success_at);
  });
});

describe('a failing sync leaves the old mirror serving', () => {
  async function primed(): Promise<{ facts: ReturnType<typeof fileFacts> }> {
    ms.addLinks(links(10));
    await sync();
    ms.setLink({ tracking_id: 'lt_later', original_url: 'https://example.com/later' });
    return { facts: fileFacts(mirrorPath(dir)) };
  }
  function expectOldMirror(facts: ReturnType<typeof fileFacts>): void {
    expect(holder.lookup('lt_0005')).toEqual({ url: 'https://example.com/jobs/5', active: true });
    expect(holder.lookup('lt_later')).toBeUndefined();
    expect(fileFacts(mirrorPath(dir))).toEqual(facts);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  }

  it('when the main system is down: a network error naming the host, not the key', async () => {
    const { facts } = await primed();
    await ms.setDown(true);
    const err = await failingSync();
    expect(err.code).toBe('CR_ERR_MIRROR_NETWORK');
    expect(err.message).toContain(ms.url);
    expectNoKey(err);
    expectOldMirror(facts);
  });

  it('when the main system is slower than main_system.timeout_ms: a timeout error', async () => {
    const { facts } = await primed();
    cfg = mirrorConfig(dir, { main_system: { base_url: ms.url, timeout_ms: 500 }, sync: { page_size: 3 } });
    // Far slower than the 500 ms timeout, so "gave up before the answer" holds with seconds
    // of margin on a busy machine (elapsed time is what is tested here).
    ms.faults.slowMs = 6_000;
    const t0 = Date.now();
    const err = await failingSync();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(err.code).toBe('CR_ERR_MIRROR_TIMEOUT');
    expect(err.message).toMatch(/within 500 ms/);
    expectNoKey(err);
    expectOldMirror(facts);
  });

  it('when a page is not JSON: a bad-JSON error', async () => {
    const { facts } = await primed();
    ms.faults.garbage = { routes: ['links'], skip: 1 }; // page 2 is garbage
    const err = await failingSync();
    expect(err.code).toBe('CR_ERR_MIRROR_BAD_JSON');
    expect(err.message).toMatch(/invalid JSON on GET \/api\/link-tracking\/links/);
    expectNoKey(err);
    expectOldMirror(facts);
  });

  it('when the key is rejected (401): "main system rejected the API key", without the key', async () => {
    const { facts } = await primed();
    ms.faults.unauthorized = true;
    const err = await failingSync();
    expect(err.code).toBe('CR_ERR_MIRROR_AUTH');
    expect(err.message).toMatch(/main system rejected the API key \(HTTP 401/);
    expectNoKey(err);
    expectOldMirror(facts);
  });

  it('when the key is wrong: the same clear 401 error, and the wrong key is not echoed either', async () => {
    const { facts } = await primed();
    const wrong = 'sk_wrong_KEY_do_not_print';
    const err = await runSync({ config: cfg, holder, apiKey: new ApiKey(wrong, 'test') }).catch((e: MirrorError) => e);
    expect((err as MirrorError).code).toBe('CR_ERR_MIRROR_AUTH');
    expect(inspect(err, { depth: 10 }) + JSON.stringify(err)).not.toContain(wrong);
    expectOldMirror(facts);
  });

  it('when the main system answers 500: an HTTP status error', async () => {
    const { facts } = await primed();
    ms.faults.status5xx = { status: 503 };
    const err = await failingSync();
    expect(err).toMatchObject({ code: 'CR_ERR_MIRROR_HTTP_STATUS', status: 503 });
    expectOldMirror(facts);
  });

  it('when the connection drops on page 3 (a sync killed midway): the half-built temp file is gone', async () => {
    const { facts } = await primed();
    ms.faults.dropBeforeStore = { routes: ['links'], skip: 2, count: 1 };
    const err = await failingSync();
    expect(err.code).toBe('CR_ERR_MIRROR_NETWORK');
    expect(ms.requestLog.entries.filter((e) => e.route === 'links' && e.dropped)).toHaveLength(1);
    expectOldMirror(facts);
    // and the next sync completes normally
    const r = await sync();
    expect(r).toMatchObject({ changed: true, added: 1 });
    expect(holder.lookup('lt_later')).toBeDefined();
  });

  it('when the listing repeats a cursor: a bad-response error instead of paging forever', async () => {
    const { facts } = await primed();
    // a server that always answers the first page with a fixed cursor
    const { createServer } = await import('node:http');
    const loop = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ links: [], next_cursor: 'again' }));
    });
    await new Promise<void>((r) => loop.listen(0, '127.0.0.1', r));
    const port = (loop.address() as { port: number }).port;
    const err = await runSync({ config: mirrorConfig(dir, { main_system: { base_url: `http://127.0.0.1:${port}` } }), holder, apiKey: key }).catch((e: MirrorError) => e);
    loop.close();
    expect((err as MirrorError).code).toBe('CR_ERR_MIRROR_BAD_RESPONSE');
    expectOldMirror(facts);
  });
});

describe('the swap', () => {
  it('removes temp files left by a sync process that died', async () => {
    ms.addLinks(links(2));
    const stale = join(dir, 'mirror.db.tmp-999999'); // no such pid
    writeFileSync(stale, 'half a database');
    writeFileSync(`${stale}-journal`, 'its journal'); // what a SIGKILLed sync left (#26)
    await sync();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(`${stale}-journal`)).toBe(false);
  });

  it('without a holder (clickrelay sync) writes the same mirror that serve would load', async () => {
    ms.addLinks(links(5, 'lt_', (i) => ({ is_active: i % 2 === 0 })));
    const r = await runSync({ config: cfg, apiKey: key });
    expect(r).toMatchObject({ changed: true, added: 5, active: 3, inactive: 2 });
    const loaded = await loadMirror(dir);
    expect(loaded.index.lookup('lt_0001')).toEqual({ url: '', active: false });
    expect(loaded.index.lookupUrl('lt_0001')).toBeNull();
    expect(loaded.index.lookupUrl('lt_0000')).toBe('https://example.com/jobs/0');
    expect(loaded.index.size).toBe(5);
  });

  it('refuses a second concurrent sync of the same data dir in one process', async () => {
    ms.addLinks(links(5));
    ms.faults.slowMs = 200;
    const first = sync();
    const err = await sync().catch((e: MirrorError) => e);
    expect((err as MirrorError).code).toBe('CR_ERR_MIRROR_BUSY');
    await first;
  });
});

function peekCreatedAt(id: string): string {
  return String(ms.store.getLink(id)?.['created_at']);
}
