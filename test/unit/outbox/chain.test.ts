import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalClickFields, chainHash, GENESIS_HASH } from '../../../src/outbox/chain.js';
import { clickColumns } from '../../../src/outbox/columns.js';
import type { ClickRecord } from '../../../src/types.js';
import { click } from './helpers.js';

describe('chain hashing', () => {
  it('is hex SHA-256, the same for the same previous hash and click', () => {
    const c = click();
    const h = chainHash(GENESIS_HASH, c);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, { ...c })).toBe(h);
    expect(chainHash(GENESIS_HASH, clickColumns(c))).toBe(h);
  });

  it('depends on the previous hash', () => {
    const c = click();
    expect(chainHash(GENESIS_HASH, c)).not.toBe(chainHash('1'.repeat(64), c));
  });

  it('covers whether the click was anonymous', () => {
    const c = click({ ip_address: null, user_agent: null, referrer_url: null, session_id: null });
    expect(chainHash(GENESIS_HASH, { ...c, anonymous: true })).not.toBe(chainHash(GENESIS_HASH, { ...c, anonymous: false }));
  });

  it('does not depend on the order metadata keys were set in', () => {
    const a = click({ metadata: { utm_source: 's', utm_medium: 'm', bot: true } });
    const b: ClickRecord = { ...a, metadata: { bot: true, utm_medium: 'm', utm_source: 's' } };
    expect(canonicalClickFields(a)).toBe(canonicalClickFields(b));
  });

  it('changes when any one stored field changes', () => {
    const base = click({ metadata: { utm_source: 'news' } });
    const fields: (keyof ClickRecord)[] = ['click_id', 'tracking_id', 'clicked_at', 'ip_address', 'user_agent', 'referrer_url', 'session_id', 'click_source', 'metadata', 'anonymous'];
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.string({ minLength: 1, maxLength: 20 }), (field, value) => {
        const changed = { ...base } as Record<string, unknown>;
        if (field === 'anonymous') changed.anonymous = !base.anonymous;
        else if (field === 'metadata') changed.metadata = { utm_source: `news${value}` };
        else if (base[field] === value) return;
        else changed[field] = value;
        expect(chainHash(GENESIS_HASH, changed as unknown as ClickRecord)).not.toBe(chainHash(GENESIS_HASH, base));
      }),
    );
  });

  it('keeps a null field apart from the text "null"', () => {
    const c = click({ user_agent: null });
    expect(chainHash(GENESIS_HASH, c)).not.toBe(chainHash(GENESIS_HASH, { ...c, user_agent: 'null' }));
  });
});

describe('chainHash', () => {
  it('hashes exactly the bytes the three-part update() did (prev hash, newline, canonical fields)', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('\ud800', 'a\udfffb', '"\\\n', 'é😀'));
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), fc.tuple(text, text, text, fc.option(text), fc.option(text), fc.option(text), fc.option(text), text, text, fc.constantFrom(0, 1)), (prev, cols) => {
        const old = createHash('sha256').update(prev).update('\n').update(canonicalClickFields(cols as never)).digest('hex');
        expect(chainHash(prev, cols as never)).toBe(old);
      }),
      { numRuns: 2000 },
    );
  });
});
