/** Node 20's end of life (2026-04-30) is a start-up warning; supported lines say nothing. */
import { describe, expect, it } from 'vitest';
import { nodeEndOfLife } from '../../../src/lib/node-eol.js';

describe('nodeEndOfLife', () => {
  it('warns on Node 20 after 2026-04-30, and ahead of it', () => {
    expect(nodeEndOfLife('20.19.0', new Date('2026-05-01T00:00:00Z'))).toMatch(/^Node\.js 20 reached its end of life on 2026-04-30 and gets no security fixes/);
    expect(nodeEndOfLife('20.18.1', new Date('2026-01-01T00:00:00Z'))).toMatch(/^Node\.js 20 reaches its end of life on 2026-04-30/);
  });
  it('is silent on Node 22 and 24', () => {
    expect(nodeEndOfLife('22.12.0', new Date('2026-12-01T00:00:00Z'))).toBeNull();
    expect(nodeEndOfLife('24.1.0')).toBeNull();
  });
});
