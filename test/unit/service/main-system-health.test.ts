/**
 * clickrelay_main_system_up and clickrelay_main_system_reachable are set from one place
 * (src/service/main-system-health.ts) with one meaning each, through the same events the
 * service maps: read back from the real Prometheus registry.
 */
import { describe, expect, it } from 'vitest';
import type { MirrorError } from '../../../src/mirror/index.js';
import { createLogger } from '../../../src/observe/logger.js';
import { createMetrics, type Metrics } from '../../../src/observe/metrics.js';
import { mirrorEvents, shipperEvents } from '../../../src/service/events.js';
import { CLICK_SINKS } from '../../../src/adapters/registry.js';
import { mainSystemHealth } from '../../../src/service/main-system-health.js';

const STANDALONE = { linkSource: 'file', clickSink: 'none' } as const;
const HTTP = { linkSource: 'http', clickSink: 'http' } as const;

const log = createLogger('silent');

async function gauges(m: Metrics): Promise<{ up?: number; reachable?: number }> {
  const text = await m.registry.metrics();
  const read = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };
  return { up: read('clickrelay_main_system_up'), reachable: read('clickrelay_main_system_reachable') };
}

const syncError = (code: string) => ({ code, message: code, status: undefined, details: undefined }) as unknown as MirrorError;

describe('main-system gauges', () => {
  it('standalone: neither gauge is exported (a 0 would page someone for nothing)', async () => {
    const m = createMetrics();
    mainSystemHealth(m, STANDALONE).unreachable();
    expect(await gauges(m)).toEqual({ up: undefined, reachable: undefined });
  });

  it('a shipment or sync with a usable answer sets both to 1', async () => {
    const m = createMetrics();
    const ship = shipperEvents(log, m, mainSystemHealth(m, HTTP), CLICK_SINKS.http);
    ship({ type: 'shipped', count: 3, duplicates: 0 } as Parameters<typeof ship>[0]);
    expect(await gauges(m)).toEqual({ up: 1, reachable: 1 });
  });

  it('an answer that cannot be used (5xx, refused key, bad listing) is down but reachable', async () => {
    const m = createMetrics();
    const health = mainSystemHealth(m, HTTP);
    health.usable();
    mirrorEvents(log, m, health).onSyncError!(syncError('CR_ERR_MIRROR_HTTP_STATUS'));
    expect(await gauges(m)).toEqual({ up: 0, reachable: 1 });
    health.usable();
    shipperEvents(log, m, health, CLICK_SINKS.http)({ type: 'unauthorized', status: 401 } as Parameters<ReturnType<typeof shipperEvents>>[0]);
    expect(await gauges(m)).toEqual({ up: 0, reachable: 1 });
  });

  it('no connection or a timeout is down and unreachable, from the mirror and the shipper alike', async () => {
    const m = createMetrics();
    const health = mainSystemHealth(m, HTTP);
    health.usable();
    mirrorEvents(log, m, health).onSyncError!(syncError('CR_ERR_MIRROR_TIMEOUT'));
    expect(await gauges(m)).toEqual({ up: 0, reachable: 0 });
    health.usable();
    shipperEvents(log, m, health, CLICK_SINKS.http)({ type: 'retry', reason: 'connection', delayMs: 100, count: 1, attempt: 1 } as Parameters<ReturnType<typeof shipperEvents>>[0]);
    expect(await gauges(m)).toEqual({ up: 0, reachable: 0 });
  });

  it('a 429 leaves both as they were: a healthy main system asking for patience', async () => {
    const m = createMetrics();
    const health = mainSystemHealth(m, HTTP);
    health.usable();
    shipperEvents(log, m, health, CLICK_SINKS.http)({ type: 'retry', reason: 'rate_limited', status: 429, delayMs: 100, count: 1, attempt: 1 } as Parameters<ReturnType<typeof shipperEvents>>[0]);
    expect(await gauges(m)).toEqual({ up: 1, reachable: 1 });
  });
});
