/**
 * Every field line of a request, read in one pass. uWebSockets.js's getHeader returns only
 * the FIRST line of a name, but RFC 9110 §5.3 makes all lines of one name one list: a second
 * `X-Forwarded-For` line is as much part of the header as the first, and a second `Host` or a
 * disagreeing `Content-Length` makes the request invalid (RFC 9112 §3.2, §6.3).
 *
 * req.forEach builds two JS strings per line and calls back into JS for each: for a browser's
 * 12–15 lines it costs as much as about twenty getHeader calls (README, Benchmarks). So it
 * runs only when the answer depends on it: the peer is a trusted proxy (its X-Forwarded-For
 * must be read whole), or the request declares a body (its framing must be checked whole).
 */
import type { HttpRequest } from '../uws.js';

export interface HeaderScan {
  /** Every X-Forwarded-For line, in order, joined as one list (RFC 9110 §5.3). */
  xForwardedFor: string;
  /** The first X-Real-IP line; see xRealIpLines. */
  xRealIp: string;
  /** X-Real-IP is a single address: more than one line means someone upstream appended, not replaced. */
  xRealIpLines: number;
  hostLines: number;
  contentLength: string[];
  transferEncodingLines: number;
}

export function scanHeaders(req: HttpRequest): HeaderScan {
  const xff: string[] = [];
  const scan: HeaderScan = { xForwardedFor: '', xRealIp: '', xRealIpLines: 0, hostLines: 0, contentLength: [], transferEncodingLines: 0 };
  // uWebSockets.js hands over names already lower-cased.
  req.forEach((name, value) => {
    switch (name) {
      case 'x-forwarded-for':
        xff.push(value);
        break;
      case 'x-real-ip':
        if (scan.xRealIpLines++ === 0) scan.xRealIp = value;
        break;
      case 'host':
        scan.hostLines++;
        break;
      case 'content-length':
        scan.contentLength.push(value);
        break;
      case 'transfer-encoding':
        scan.transferEncodingLines++;
        break;
    }
  });
  scan.xForwardedFor = xff.join(', ');
  return scan;
}

/**
 * Why the request must be refused (400, connection closed), or null. /track takes no content:
 * RFC 9110 §9.3.1 gives content in a GET no meaning and names rejecting it as the answer to
 * request smuggling. So any Transfer-Encoding (`chunked, identity` included: RFC 9112 §6.3
 * requires chunked last, and uWebSockets.js reads any value as chunked) and any Content-Length
 * but 0 (RFC 9112 §6.3: a list of identical values may be taken as one) are refused, as is a
 * second Host line (RFC 9112 §3.2: MUST answer 400).
 */
export function refusal(scan: HeaderScan): 'body_framing' | 'duplicate_host' | null {
  if (scan.transferEncodingLines > 0) return 'body_framing';
  for (const line of scan.contentLength) for (const v of line.split(',')) if (v.trim() !== '0') return 'body_framing';
  if (scan.hostLines > 1) return 'duplicate_host';
  return null;
}
