/**
 * A hostile or broken main system (issue #12): a listing that would wipe the mirror is
 * refused and counted as a failure; a listing that never ends is cut by the page cap or
 * the deadline. Against the real reference main system and its listing fault switches.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/main-system/http/api-key.js';
import { MirrorError } from '../../../src/mirror/errors.js';
import { MirrorIndexHolder } from '../../../src/mirror/table/link-index.js';
import { readMirrorStatus, readSyncRecord } from '../../../src/mirror/store/sync-record.js';
import { mirrorPath } from '../../../src/mirror/store/mirror-path.js';
import { startRefMainSystem, type RefMainSystem } from '../../support/ref-main-system/server.js';
import { API_KEY, fileFacts, links, mirrorConfig, removeTempDirs, tempDir, runSync, type TestMirrorConfig as MirrorConfig } from './helpers.js';

let ms: RefMainSystem;
let dir: string;
let holder: MirrorIndexHolder;
const key = new ApiKey(API_KEY, 'test');

beforeEach(async () => {
  ms = await startRefMainSystem({ apiKey: API_KEY });
  dir = tempDir();
  holder = new MirrorIndexHolder();
});
afterEach(async () => {
  await ms.close();
});
afterAll(removeTempDirs);

const cfg = (sync: Partial<MirrorConfig['sync']> = {}): MirrorConfig => mirrorConfig(dir, { main_system: { base_url: ms.url }, sync: { page_size: 50, ...sync } });
const sync = (opts: { force?: boolean; sync?: Partial<MirrorConfig['sync']> } = {}) =>
  runSync({ config: cfg(opts.sync), holder, apiKey: key, ...(opts.force ? { force: true } : {}) });
const failing = (opts: Parameters<typeof sync>[0] = {}): Promise<MirrorError> =>
  sync(opts).then(
    (r) => {
      throw new Error(`expected the sync to fail, it succeeded: ${JSON.stringify(r)}`);
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(MirrorError);
      return e as MirrorError;
    },
  );

describe('a listing that would wipe the mirror is refused', () => {
  it('every row drifted ("is_active": "true"): refused, counted as a failure, the old mirror keeps serving', async () => {
    ms.addLinks(links(200));
    await sync();
    const before = fileFacts(mirrorPath(dir));
    ms.faults.driftIsActive = {};
    const err = await failing();
    expect(err.code).toBe('CR_ERR_MIRROR_REFUSED');
    expect(err.message).toMatch(/bad_is_active: 200 \(lt_0000, lt_0001, lt_0002, lt_0003, lt_0004, …\)/);
    expect(err.message).toMatch(/remove or deactivate 200 of the mirror's 200 links/);
    expect(err.details).toMatchObject({ mirror_links: 200, removed: 200, rejected: { bad_is_active: 200 }, rejected_samples: { bad_is_active: ['lt_0000', 'lt_0001', 'lt_0002', 'lt_0003', 'lt_0004'] } });
    // nothing changed: same file, same index
    expect(fileFacts(mirrorPath(dir))).toEqual(before);
    expect(holder.lookup('lt_0150')).toEqual({ url: 'https://example.com/jobs/150', active: true });
    // status shows the refusal, with the ids, and that the mirror is not being refreshed
    const st = readMirrorStatus(dir);
    expect(st.links).toBe(200);
    expect(st.failing).toBe(true);
    expect(st.last_error).toMatchObject({ code: 'CR_ERR_MIRROR_REFUSED', details: { rejected_samples: { bad_is_active: expect.arrayContaining(['lt_0000']) } } });
  });

  it('a suddenly empty listing is refused, and refused again on the next try', async () => {
    ms.addLinks(links(200));
    await sync();
    ms.faults.emptyListing = {};
    expect((await failing()).code).toBe('CR_ERR_MIRROR_REFUSED');
    expect((await failing()).code).toBe('CR_ERR_MIRROR_REFUSED'); // the refused ETag was not remembered
    expect(holder.size).toBe(200);
    ms.faults.emptyListing = null;
    expect(await sync()).toMatchObject({ changed: false }); // the good listing is the mirror as it is
  });

  it('--force accepts it on purpose, and says so', async () => {
    ms.addLinks(links(200));
    await sync();
    ms.faults.driftIsActive = {};
    const r = await sync({ force: true });
    expect(r).toMatchObject({ changed: true, forced: true, removed: 200, active: 0, rejected: { bad_is_active: 200 } });
    expect(holder.lookup('lt_0001')).toBeUndefined();
  });

  it('a change within sync.max_change_ratio passes (25 of 200 rows drifted: refused at 0.1, accepted at 0.2)', async () => {
    ms.addLinks(links(200));
    await sync();
    ms.addRawLinks(links(25).map((l) => ({ ...l, is_active: 'true' })));
    expect((await failing()).code).toBe('CR_ERR_MIRROR_REFUSED');
    const r = await sync({ sync: { max_change_ratio: 0.2 } });
    expect(r).toMatchObject({ changed: true, removed: 25, rejected: { bad_is_active: 25 } });
    expect(r.forced).toBeUndefined();
  });

  it('rows that stay invalid in every listing do not freeze the mirror: only newly invalid ones count (#26)', async () => {
    // 101 links and 11 invalid rows (a NULL is_active the guide's DDL allows, javascript: URLs),
    // in every listing: 11 is more than 10% of the mirror, yet nothing about them changes.
    ms.addLinks(links(101));
    ms.addRawLinks([
      ...links(6).map((l, i) => ({ ...l, tracking_id: `lt_null_${i}`, is_active: null })),
      ...links(5).map((l, i) => ({ ...l, tracking_id: `lt_js_${i}`, original_url: 'javascript:alert(1)' })),
    ]);
    await sync();
    expect(holder.lookup('lt_0050')).toMatchObject({ active: true });
    ms.setLink({ ...links(101)[50]!, is_active: false });
    const r = await sync();
    expect(r).toMatchObject({ changed: true, deactivated: 1 });
    expect(holder.lookup('lt_0050')).toMatchObject({ active: false });
    // Eleven more invalid rows at once, beside an ordinary edit, is a change, and still refused.
    ms.addRawLinks(links(11).map((l, i) => ({ ...l, tracking_id: `lt_new_null_${i}`, is_active: null })));
    ms.setLink({ ...links(101)[60]!, is_active: false });
    const err = await failing();
    expect(err.message).toContain('11 of its rows are newly invalid since the last accepted sync (22 invalid in all');
  });

  it('a first sync (empty mirror) has nothing to protect: never refused', async () => {
    ms.addLinks(links(20));
    ms.faults.driftIsActive = {};
    const r = await sync();
    expect(r).toMatchObject({ changed: true, active: 0, rejected: { bad_is_active: 20 } });
    expect(r.rejectedSamples).toEqual({ bad_is_active: ['lt_0000', 'lt_0001', 'lt_0002', 'lt_0003', 'lt_0004'] });
  });

  it('small mirrors: removing 4 of 8 links passes; emptying a 3-link mirror does not', async () => {
    ms.addLinks(links(8));
    await sync();
    for (const i of [0, 1, 2, 3]) ms.removeLink(`lt_000${i}`);
    expect(await sync()).toMatchObject({ changed: true, removed: 4, active: 4 });

    const small = tempDir();
    const ms2 = await startRefMainSystem({ apiKey: API_KEY });
    try {
      ms2.addLinks(links(3));
      const c = mirrorConfig(small, { main_system: { base_url: ms2.url } });
      await runSync({ config: c, apiKey: key });
      ms2.faults.emptyListing = {};
      const err = await runSync({ config: c, apiKey: key }).catch((e: MirrorError) => e);
      expect((err as MirrorError).code).toBe('CR_ERR_MIRROR_REFUSED');
      expect((err as MirrorError).message).toMatch(/leave none of the mirror's 3 active links active/);
    } finally {
      await ms2.close();
    }
  });

  it('guards the links file the same way (the guard sits in the pipeline every source shares)', async () => {
    const file = join(dir, 'links.json');
    writeFileSync(file, JSON.stringify(links(100)));
    const c = mirrorConfig(dir, { sync: { file } });
    await runSync({ config: c });
    writeFileSync(file, JSON.stringify(links(100).map((l) => ({ ...l, original_url: `${l.original_url} (copy)` }))));
    const err = await runSync({ config: c }).catch((e: MirrorError) => e);
    expect((err as MirrorError).code).toBe('CR_ERR_MIRROR_REFUSED');
    expect((err as MirrorError).message).toMatch(/url_has_whitespace: 100 \(lt_0000/);
  });

  it('names the first rejected rows per reason: the id when it is one, else the row', async () => {
    ms.addLinks(links(3));
    ms.addRawLinks([
      { tracking_id: 'bad id!', original_url: 'https://example.com', is_active: true },
      { tracking_id: 'lt_js', original_url: 'javascript:alert(1)', is_active: true },
      { tracking_id: 'lt_space', original_url: 'https://example.com/my cv.pdf', is_active: true },
      'not an object',
    ]);
    const r = await sync();
    expect(r.rejectedSamples).toEqual({ bad_tracking_id: ['row 1'], bad_url_scheme: ['lt_js'], url_has_whitespace: ['lt_space'], not_an_object: ['row 7'] });
    expect(readSyncRecord(dir).last_result?.rejectedSamples).toEqual(r.rejectedSamples);
    expect(readMirrorStatus(dir).rejected_samples).toEqual(r.rejectedSamples);
  });
});

describe('a listing that never ends', () => {
  it('is cut at sync.max_pages: a page-cap error, the old mirror stays', async () => {
    ms.addLinks(links(10));
    await sync({ sync: { page_size: 5 } });
    ms.faults.endlessCursors = true;
    ms.setLink({ tracking_id: 'lt_new', original_url: 'https://example.com/new' });
    ms.requestLog.clear();
    const err = await failing({ sync: { page_size: 5, max_pages: 40 } });
    expect(err.code).toBe('CR_ERR_MIRROR_PAGE_CAP');
    expect(err.message).toMatch(/sync\.max_pages = 40/);
    // the cap counts pages, empty ones too; one page may be prefetched past it
    expect(ms.requestLog.count('links')).toBeLessThanOrEqual(42);
    expect(holder.lookup('lt_new')).toBeUndefined();
    expect(holder.size).toBe(10);
  });

  it('is cut at sync.deadline_seconds when the page cap is far away', async () => {
    ms.addLinks(links(10));
    await sync();
    ms.faults.endlessCursors = true;
    ms.faults.slowMs = 50;
    ms.setLink({ tracking_id: 'lt_new', original_url: 'https://example.com/new' });
    const t0 = Date.now();
    const err = await failing({ sync: { deadline_seconds: 1, max_pages: 1_000_000 } });
    expect(err.code).toBe('CR_ERR_MIRROR_DEADLINE');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(readMirrorStatus(dir).last_error).toMatchObject({ code: 'CR_ERR_MIRROR_DEADLINE' });
    expect(holder.size).toBe(10);
  });
});
