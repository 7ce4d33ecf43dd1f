import { describe, expect, it } from 'vitest';
import { refusal, type HeaderScan } from '../../../src/http/public/header-scan.js';

const scan = (over: Partial<HeaderScan>): HeaderScan => ({ xForwardedFor: '', xRealIp: '', xRealIpLines: 0, hostLines: 1, contentLength: [], transferEncodingLines: 0, ...over });

describe('refusal (what a /track request may not carry)', () => {
  it('accepts no body, and Content-Length: 0 however often it is repeated', () => {
    expect(refusal(scan({}))).toBeNull();
    expect(refusal(scan({ contentLength: ['0'] }))).toBeNull();
    expect(refusal(scan({ contentLength: ['0', ' 0 '] }))).toBeNull();
    expect(refusal(scan({ contentLength: ['0, 0'] }))).toBeNull();
  });

  it('refuses any Transfer-Encoding and any other Content-Length', () => {
    expect(refusal(scan({ transferEncodingLines: 1 }))).toBe('body_framing');
    for (const cl of [['-1'], ['5'], ['0', '5'], ['0, 5'], [''], ['0x0'], ['+0']]) expect(refusal(scan({ contentLength: cl })), cl.join('|')).toBe('body_framing');
  });

  it('refuses a second Host line (RFC 9112 §3.2)', () => {
    expect(refusal(scan({ hostLines: 2 }))).toBe('duplicate_host');
  });
});
