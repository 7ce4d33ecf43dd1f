import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyticsOf, clickStatistics } from '../../../src/analytics/statistics.js';
import { MirrorIndexHolder } from '../../../src/mirror/table/link-index.js';
import { openLinkReader } from '../../../src/mirror/store/link-reader.js';
import { openOutboxReadOnly } from '../../../src/outbox/index.js';
import { mirrorConfig, runSync } from '../../integration/mirror/helpers.js';
import { GUIDE_LINK, GUIDE_LINK_INFO } from '../../support/guide-link.js';
import { GOOGLEBOT, sqlite, storedClick, tempDataDir, writeOutbox } from '../audit/helpers.js';

const NOW = new Date('2025-08-30T12:00:00.000Z');
const ago = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

describe('click_statistics from the outbox', () => {
  it("answers the guide's shape for one link: totals, sessions, first/last, 24 h and 7 d", async () => {
    const dir = tempDataDir();
    const same = { clientIp: '203.0.113.5' };
    await writeOutbox(dir, [
      storedClick({ ...same, receivedAt: ago(200) }), // 8+ days ago
      storedClick({ ...same, receivedAt: ago(100) }),
      storedClick({ ...same, receivedAt: ago(2) }),
      storedClick({ clientIp: '198.51.100.9', receivedAt: ago(1) }),
      storedClick({ dnt: '1', receivedAt: ago(1) }), // anonymous: counted, no session
      storedClick({ trackingId: 'lt_other', receivedAt: ago(1) }),
    ]);
    const reader = openOutboxReadOnly(dir);
    try {
      const s = clickStatistics(reader, 'lt_test123456789', NOW);
      expect(s).toEqual({
        total_clicks: 5,
        unique_sessions: 4, // one per UTC day for the same network and browser, plus the other network
        first_click: ago(200).toISOString(),
        last_click: ago(1).toISOString(),
        clicks_24h: 3,
        clicks_7d: 4,
      });
      expect(clickStatistics(reader, 'lt_nobody', NOW)).toEqual({ total_clicks: 0, unique_sessions: 0, first_click: null, last_click: null, clicks_24h: 0, clicks_7d: 0 });
    } finally {
      reader.close();
    }
  });

  it('counts clicks flagged bot or scanner apart from the rest, and survives a hand-corrupted metadata value', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, [
      storedClick({ receivedAt: ago(1) }),
      storedClick({ userAgent: GOOGLEBOT, receivedAt: ago(1) }), // metadata.bot = true
      storedClick({ receivedAt: ago(1) }),
      storedClick({ receivedAt: ago(1) }),
    ]);
    // The click-quality work adds metadata.scanner; a scanner flag is counted whatever its form.
    const db = sqlite(dir);
    const seqs = db.prepare("SELECT seq FROM clicks ORDER BY seq").pluck().all() as number[];
    db.prepare("UPDATE clicks SET metadata = json_set(metadata, '$.scanner', 'proofpoint') WHERE seq = ?").run(seqs[2]);
    db.prepare("UPDATE clicks SET metadata = '{not json' WHERE seq = ?").run(seqs[3]);
    db.close();
    const reader = openOutboxReadOnly(dir);
    try {
      const s = reader.trackingStats('lt_test123456789', []);
      expect(s.total).toBe(4);
      expect(s.scanners).toBe(1);
      expect(s.bots).toBe(1);
    } finally {
      reader.close();
    }
  });
});

describe('analyticsOf: link_info from the mirror, statistics from the outbox', () => {
  const linksFile = (dir: string, links: object[]) => {
    const file = join(dir, 'links.json');
    writeFileSync(file, JSON.stringify(links));
    return file;
  };
  // description is the main system's free text: the mirror keeps it only when asked to.
  const sync = (dir: string, file: string) => runSync({ config: mirrorConfig(dir, { sync: { file, store_descriptions: true } }), holder: new MirrorIndexHolder() });

  it("answers the guide's link_info, null where the mirror has no value, and follows a sync that swaps mirror.db", async () => {
    const dir = tempDataDir();
    await sync(dir, linksFile(dir, [GUIDE_LINK, { tracking_id: 'lt_bare', original_url: 'https://example.com/', is_active: false }]));
    await writeOutbox(dir, [storedClick({ trackingId: 'lt_abc123def456', receivedAt: ago(1) })]);
    const links = openLinkReader(dir);
    const outbox = openOutboxReadOnly(dir);
    try {
      const found = analyticsOf(links, () => outbox, 'lt_abc123def456', NOW);
      expect(found).toEqual({
        kind: 'found',
        answer: {
          link_info: GUIDE_LINK_INFO,
          click_statistics: { total_clicks: 1, unique_sessions: 1, first_click: ago(1).toISOString(), last_click: ago(1).toISOString(), clicks_24h: 1, clicks_7d: 1 },
          click_quality: { human_clicks: 1, automated_clicks: 0, scanner_clicks: 0, bot_clicks: 0 },
        },
      });
      const bare = analyticsOf(links, () => outbox, 'lt_bare', NOW);
      expect(bare.kind === 'found' && bare.answer.link_info).toEqual({
        tracking_id: 'lt_bare', original_url: 'https://example.com/', link_function: null, link_type: null, job_id: null, application_id: null, is_active: false, description: null,
      });
      expect(analyticsOf(links, () => outbox, 'lt_nobody', NOW)).toEqual({ kind: 'unknown', trackingId: 'lt_nobody' });

      // A sync renames a new mirror.db into place: the reader sees the new file, not the one it had open.
      await sync(dir, linksFile(dir, [{ tracking_id: 'lt_new', original_url: 'https://example.com/new', is_active: true }]));
      expect(analyticsOf(links, () => outbox, 'lt_abc123def456', NOW).kind).toBe('unknown');
      expect(analyticsOf(links, () => outbox, 'lt_new', NOW).kind).toBe('found');
    } finally {
      links.close();
      outbox.close();
    }
  });

  it('an unreadable mirror.db is a failure of the mirror part, not an unknown link', () => {
    const dir = tempDataDir();
    writeFileSync(join(dir, 'mirror.db'), 'this is not an SQLite database, it is long enough to have a header '.repeat(10));
    const links = openLinkReader(dir);
    try {
      const o = analyticsOf(links, () => ({ trackingStats: () => { throw new Error('not reached'); } }), 'lt_a', NOW);
      expect(o).toMatchObject({ kind: 'failed', part: 'mirror' });
    } finally {
      links.close();
    }
  });
});
