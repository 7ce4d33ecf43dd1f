/**
 * Audit test set-up: clicks made by the real privacy normalizer (so "what we store" is
 * exactly what the service would store), written through the real Outbox writer into real
 * SQLite files, and the audit run on them as the CLI runs it.
 */
import { v7 as uuidv7 } from 'uuid';
import { runAudit } from '../../../src/audit/index.js';
import type { AuditReport } from '../../../src/audit/report.js';
import { openOutboxReadOnly } from '../../../src/outbox/index.js';
import { anonymizeClick, policyFromConfig, type PrivacyPolicy, type RawClick } from '../../../src/privacy/index.js';
import type { PrivacySection } from '../../../src/privacy/policy.js';
import type { ClickRecord } from '../../../src/types.js';
import { openOutbox, recordAll } from '../outbox/helpers.js';

import { CHROME, FIREFOX, GOOGLEBOT, PRIVACY_DEFAULTS } from '../../support/privacy.js';

export { sqlite, tempDataDir } from '../outbox/helpers.js';
export { CHROME, FIREFOX, GOOGLEBOT, PRIVACY_DEFAULTS };

export function policy(over: Partial<PrivacySection> = {}, baseUrl = 'https://jobs.example.com'): PrivacyPolicy {
  return policyFromConfig({ ...PRIVACY_DEFAULTS, ...over }, baseUrl);
}

const KEY = Buffer.alloc(32, 1);

/** A click as the service would store it for this request. */
export function storedClick(raw: Partial<RawClick> = {}, p: PrivacyPolicy = policy()): ClickRecord {
  const click = anonymizeClick(
    {
      trackingId: 'lt_test123456789',
      clientIp: '203.0.113.77',
      userAgent: CHROME,
      referer: 'https://mail.google.com/mail/u/0/#inbox/abc',
      rawQuery: 'utm_source=newsletter&utm_medium=email&email=jane@example.com',
      receivedAt: new Date(),
      ...raw,
    },
    p,
    { clickId: uuidv7(), sessionKey: KEY },
  );
  if (!click) throw new Error('the normalizer dropped this click');
  return click;
}

/** A mix of ordinary, anonymous, bot, IPv6 and no-referrer clicks. */
export function mixedClicks(n: number, p: PrivacyPolicy = policy(), receivedAt: (i: number) => Date = () => new Date()): ClickRecord[] {
  return Array.from({ length: n }, (_, i) =>
    storedClick(
      {
        clientIp: i % 5 === 3 ? `2001:db8:${i.toString(16)}::${i}` : `198.51.${i % 256}.${(i * 7) % 256}`,
        userAgent: i % 7 === 2 ? GOOGLEBOT : i % 2 ? FIREFOX : CHROME,
        dnt: i % 6 === 1 ? '1' : undefined,
        referer: i % 4 === 0 ? undefined : 'https://www.linkedin.com/feed/?trk=x',
        receivedAt: receivedAt(i),
      },
      p,
    ),
  );
}

/** Writes the clicks through the real writer, then closes it (outbox.head written). */
export async function writeOutbox(dataDir: string, clicks: readonly ClickRecord[], after?: (o: Awaited<ReturnType<typeof openOutbox>>) => Promise<unknown>): Promise<void> {
  const outbox = await openOutbox(dataDir);
  await recordAll(outbox, clicks);
  if (after) await after(outbox);
  await outbox.close();
}

export function audit(dataDir: string, opts: { policy?: PrivacyPolicy; retentionDays?: number; standalone?: boolean; now?: Date; maxListedPerRule?: number } = {}): AuditReport {
  const reader = openOutboxReadOnly(dataDir);
  try {
    return runAudit(reader, {
      privacy: opts.policy ?? policy(),
      retentionDays: opts.retentionDays ?? 30,
      standalone: opts.standalone,
      now: opts.now,
      maxListedPerRule: opts.maxListedPerRule,
    });
  } finally {
    reader.close();
  }
}

/** "rule@click_id" for each violation, the shape most assertions want. */
export const named = (r: AuditReport): string[] => r.violations.map((v) => `${v.rule}@${v.click_id}`);
