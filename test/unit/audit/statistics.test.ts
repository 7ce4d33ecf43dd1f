import { describe, expect, it } from 'vitest';
import { clickStatistics, createAnalyticsRoute } from '../../../src/audit/index.js';
import { openOutboxReadOnly } from '../../../src/outbox/index.js';
import { storedClick, tempDataDir, writeOutbox } from './helpers.js';

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
        human_clicks: 5,
        scanner_clicks: 0,
        bot_clicks: 0,
      });
      expect(clickStatistics(reader, 'lt_nobody', NOW)).toEqual({ total_clicks: 0, unique_sessions: 0, first_click: null, last_click: null, clicks_24h: 0, clicks_7d: 0, human_clicks: 0, scanner_clicks: 0, bot_clicks: 0 });
    } finally {
      reader.close();
    }
  });

  it('the route answers null for a malformed id and zeros before outbox.db exists', async () => {
    const dir = tempDataDir();
    const route = createAnalyticsRoute(dir, () => NOW);
    try {
      expect(await route('../etc/passwd')).toBeNull();
      expect(await route('x'.repeat(101))).toBeNull();
      expect(await route('lt_a')).toEqual({ tracking_id: 'lt_a', click_statistics: expect.objectContaining({ total_clicks: 0 }) });
      await writeOutbox(dir, [storedClick({ trackingId: 'lt_a', receivedAt: ago(1) })]);
      expect((await route('lt_a'))!.click_statistics).toMatchObject({ total_clicks: 1, clicks_24h: 1 });
    } finally {
      route.close();
    }
  });
});
