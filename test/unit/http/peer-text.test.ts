/**
 * The IPv6 peer text the redirect writes from the socket's bytes (lib/ip-text.ts ipv6PeerText)
 * must be the text uWebSockets.js itself prints for that peer: the redirect stopped asking uWS
 * for the text (a second system call per IPv6 request), so everything downstream must see
 * the same string as before.
 */
import { describe, expect, it } from 'vitest';
import { loadUws } from '../../../src/http/uws.js';
import { formatIp, ipv6PeerText, parseIp } from '../../../src/lib/ip-text.js';

const bytes = (...groups: number[]) => new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff]));

describe('ipv6PeerText', () => {
  it('writes eight zero-padded groups, which parseIp reads as the same address', () => {
    const text = ipv6PeerText(bytes(0x2001, 0xdb8, 0xabcd, 0x1234, 0x5678, 0, 0, 1));
    expect(text).toBe('2001:0db8:abcd:1234:5678:0000:0000:0001');
    expect(formatIp(parseIp(text)!)).toBe('2001:db8:abcd:1234:5678::1');
    expect(ipv6PeerText(bytes(0xffff, 0xfe80, 0, 0x00ff, 0xff00, 0x10, 0x100, 0xabc))).toBe('ffff:fe80:0000:00ff:ff00:0010:0100:0abc');
  });

  it('is what the loaded uWebSockets.js build prints for a real IPv6 peer', async () => {
    const { uws } = loadUws({ allowJsFallback: false });
    const seen: { fromBytes: string; fromUws: string }[] = [];
    const app = uws.App().get('/*', (res) => {
      seen.push({ fromBytes: ipv6PeerText(new Uint8Array(res.getRemoteAddress())), fromUws: Buffer.from(res.getRemoteAddressAsText()).toString() });
      res.end('ok');
    });
    const port = await new Promise<number>((resolve, reject) => app.listen('::1', 0, (token) => (token ? resolve(uws.us_socket_local_port(token)) : reject(new Error('cannot listen on [::1]')))));
    try {
      expect(await (await fetch(`http://[::1]:${port}/`)).text()).toBe('ok');
    } finally {
      app.close();
    }
    expect(seen).toEqual([{ fromBytes: '0000:0000:0000:0000:0000:0000:0000:0001', fromUws: '0000:0000:0000:0000:0000:0000:0000:0001' }]);
  });
});
