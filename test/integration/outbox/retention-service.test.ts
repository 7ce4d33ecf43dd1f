/**
 * Retention as `serve` applies it (at start-up, then hourly): shipped clicks past
 * privacy.retention_days go; unshipped ones stay while a main system may still take them; in
 * standalone mode, where nothing is ever shipped, they go too.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/service.js';
import { ackClicks, click, openOutbox, recordAll } from '../../unit/outbox/helpers.js';
import { waitFor as until } from '../../support/wait-for.js';

const DAY = 86_400_000;
const ago = (days: number): string => new Date(Date.now() - days * DAY).toISOString();

/** A data dir whose outbox holds an old shipped, an old pending and a recent pending click. */
async function dataDirWithOldClicks() {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'cr-retention-')), 'data');
  const outbox = await openOutbox(dataDir);
  const [oldShipped, oldPending, recent] = [40, 40, 1].map((d) => click({ clicked_at: ago(d) }));
  await recordAll(outbox, [oldShipped!, oldPending!, recent!]);
  await ackClicks(outbox, [oldShipped!.click_id]);
  await outbox.close();
  return { dataDir, oldShipped: oldShipped!, oldPending: oldPending!, recent: recent! };
}

describe('retention in serve', () => {
  let svc: TestService | undefined;
  afterEach(async () => {
    await svc?.stop();
    svc = undefined;
  });

  it('standalone: purges every click past retention_days at start-up, shipped or not', async () => {
    const d = await dataDirWithOldClicks();
    svc = await startTestService({ CLICKRELAY_STORAGE_DATA_DIR: d.dataDir, CLICKRELAY_PRIVACY_RETENTION_DAYS: '30' });
    const s = svc;
    await until('the start-up purge', () => s.clicks().length === 1);
    expect(s.clicks().map((c) => c.click.click_id)).toEqual([d.recent.click_id]);
    expect(s.logs).toContainEqual(expect.objectContaining({ event: 'retention_purge', purged: 2 }));
  });

  it('with a main system: purges the shipped one and keeps the unshipped one for delivery', async () => {
    const d = await dataDirWithOldClicks();
    const keyFile = join(d.dataDir, '..', 'api-key');
    writeFileSync(keyFile, 'test-key\n');
    svc = await startTestService({
      CLICKRELAY_STORAGE_DATA_DIR: d.dataDir,
      CLICKRELAY_PRIVACY_RETENTION_DAYS: '30',
      // Nobody listens there: nothing ships, the pending clicks stay pending.
      CLICKRELAY_MAIN_SYSTEM_BASE_URL: 'http://127.0.0.1:9',
      CLICKRELAY_MAIN_SYSTEM_API_KEY_FILE: keyFile,
    });
    const s = svc;
    await until('the start-up purge', () => s.clicks().length === 2);
    expect(s.clicks().map((c) => c.click.click_id)).toEqual([d.oldPending.click_id, d.recent.click_id]);
    expect(s.logs).toContainEqual(expect.objectContaining({ event: 'retention_purge', purged: 1 }));
  });
});
