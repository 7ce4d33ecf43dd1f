import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/service.js';
import { mountTmpfs, skipWithoutTmpfs } from '../../support/tmpfs.js';

/** The data folder lives on a small tmpfs that the tests fill to ENOSPC: a really full disk (needs root). */
const tmpfs = mountTmpfs(4096);
const skip = skipWithoutTmpfs(tmpfs);
const disk = typeof tmpfs === 'string' ? null : tmpfs;
afterAll(() => disk?.unmount());
let n = 0;
const onDisk = (env: Record<string, string> = {}): Record<string, string> => ({ CLICKRELAY_STORAGE_DATA_DIR: join(disk!.dir, `data-${++n}`), ...env });

/** Fill the disk under the outbox. */
async function fillDisk(s: TestService): Promise<void> {
  disk!.fill();
  // Pages already allocated still have room: click, one transaction at a time, until a
  // single click no longer fits.
  for (let i = 0; i < 2000 && (await writeErrors(s)) === 0; i++) await fetch(`${s.base}/track/lt_other`, { redirect: 'manual' });
  expect(await writeErrors(s)).toBeGreaterThan(0);
}

const writeErrors = async (s: TestService) => Number(/clickrelay_click_write_errors_total (\d+)/.exec(await (await fetch(`${s.admin}/metrics`)).text())?.[1]);

describe.skipIf(skip)('an outbox that cannot be written', () => {
  let s: TestService;
  afterEach(async () => {
    disk!.free();
    await s.stop();
  });

  it('fail-open (default): redirects keep working, lost clicks are counted and logged, recording resumes once space is back', async () => {
    s = await startTestService(onDisk());
    expect((await fetch(`${s.base}/track/lt_other`, { redirect: 'manual' })).status).toBe(302);
    await fillDisk(s);
    const stored = s.clicks().length;
    const errorsBefore = await writeErrors(s);
    for (let i = 0; i < 3; i++) expect((await fetch(`${s.base}/track/lt_other`, { redirect: 'manual' })).status).toBe(302);
    expect(await writeErrors(s)).toBe(errorsBefore + 3);
    expect(s.logs.some((l) => l.event === 'click_write_failed' && l.code === 'CR_ERR_OUTBOX_WRITE')).toBe(true);
    expect(s.clicks().length).toBe(stored);
    // The guide's "database connection health": the outbox reads as not writable meanwhile.
    expect(await (await fetch(`${s.admin}/metrics`)).text()).toMatch(/^clickrelay_outbox_writable 0$/m);

    disk!.free();
    expect((await fetch(`${s.base}/track/lt_other`, { redirect: 'manual' })).status).toBe(302);
    expect(s.clicks().length).toBe(stored + 1);
    expect(await (await fetch(`${s.admin}/metrics`)).text()).toMatch(/^clickrelay_outbox_writable 1$/m);
  });

  it('fail-closed: answers 503 instead of redirecting without a record', async () => {
    s = await startTestService(onDisk({ CLICKRELAY_OUTBOX_ON_WRITE_ERROR: 'fail-closed' }));
    await fillDisk(s);
    const r = await fetch(`${s.base}/track/lt_other`, { redirect: 'manual', headers: { Accept: 'application/json' } });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.headers.get('location')).toBeNull();
    disk!.free();
    expect((await fetch(`${s.base}/track/lt_other`, { redirect: 'manual' })).status).toBe(302);
  });
});
