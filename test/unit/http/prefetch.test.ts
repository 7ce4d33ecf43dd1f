import { describe, expect, it } from 'vitest';
import { isPrefetch } from '../../../src/http/public/prefetch.js';

describe('isPrefetch', () => {
  it('knows every spelling browsers send', () => {
    expect(isPrefetch('prefetch', '', '', '')).toBe(true); // Chromium speculation rules
    expect(isPrefetch('prefetch;prerender', '', '', '')).toBe(true);
    expect(isPrefetch('prefetch;anonymous-client-ip', '', '', '')).toBe(true);
    expect(isPrefetch('Prefetch', '', '', '')).toBe(true);
    expect(isPrefetch('', 'prefetch', '', '')).toBe(true); // Chromium <link rel=prefetch>
    expect(isPrefetch('', '', 'prefetch', '')).toBe(true); // Firefox
    expect(isPrefetch('', '', '', 'preview')).toBe(true); // Safari
  });

  it('is false for an ordinary click and for values that are not a prefetch', () => {
    expect(isPrefetch('', '', '', '')).toBe(false);
    expect(isPrefetch('navigate', '', '', '')).toBe(false);
    expect(isPrefetch('', 'prefetcher', '', '')).toBe(false);
    expect(isPrefetch('', '', 'xprefetch', '')).toBe(false);
  });
});
