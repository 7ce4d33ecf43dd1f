/**
 * The one undici client to the main system's HTTP API for reading links (the listing and
 * the one-link lookup): GETs with the Bearer key, a deadline per request, and every
 * failure turned into a MainSystemError whose message names the route and status but never
 * the key (nor the base_url's credentials or query).
 */
import type { Pool } from 'undici';
import { undici } from './undici.js';
import { MainSystemError } from '../errors.js';
import { scrubSecrets } from '../../errors.js';
import { redactHttpUrl } from '../../lib/redact.js';
import type { ApiKey } from './api-key.js';

export interface MainSystemClientOptions {
  baseUrl: string;
  apiKey: ApiKey;
  /** Per-request deadline, headers and body together. */
  timeoutMs: number;
  /** Sockets kept to the main system; the miss lookup's concurrency bound rides on it. */
  connections?: number;
}

export interface GetOptions {
  etag?: string | null;
  timeoutMs?: number;
  signal?: AbortSignal;
  allow404?: boolean;
  /** Read the body into this reusable buffer (the answer's body is then a view of it, valid until its next use). */
  into?: ByteBuffer;
}

/**
 * A growable byte buffer that is reused from request to request. A bulk sync reads
 * hundreds of MB of pages; a fresh Buffer per page would leave each one to the garbage
 * collector, tens of MB of dead page bodies at any time. Two of these, alternating
 * (current page, prefetched page), keep that churn away.
 */
export class ByteBuffer {
  #buf = Buffer.allocUnsafe(64 * 1024);
  #len = 0;

  reset(): void {
    this.#len = 0;
  }

  append(chunk: Buffer): void {
    if (this.#len + chunk.length > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < this.#len + chunk.length) size *= 2;
      const bigger = Buffer.allocUnsafe(size);
      this.#buf.copy(bigger, 0, 0, this.#len);
      this.#buf = bigger;
    }
    chunk.copy(this.#buf, this.#len);
    this.#len += chunk.length;
  }

  view(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }
}

export type GetBytesResult =
  | { status: 200; body: Buffer; etag: string | null; contentType: string }
  | { status: 304 }
  | { status: 404 };

export type GetJsonResult =
  | { status: 200; body: unknown; etag: string | null }
  | { status: 304 }
  | { status: 404 };

const routeOf = (path: string): string => path.split('?')[0] ?? path;

// A page of 10,000 links is ~4 MB; anything far past that is a misbehaving server,
// and reading it whole would be the memory spike we promised not to have.
const MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

export class MainSystemClient {
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #key: ApiKey;
  readonly #timeoutMs: number;
  /** For messages: scheme://host/path of the base URL, nothing else. */
  readonly where: string;

  /** `baseUrl` as src/config/load.ts validated it: an http(s) URL. */
  constructor(opts: MainSystemClientOptions) {
    const u = new URL(opts.baseUrl);
    this.#basePath = u.pathname.replace(/\/+$/, '');
    this.#key = opts.apiKey;
    this.#timeoutMs = opts.timeoutMs;
    this.where = redactHttpUrl(opts.baseUrl);
    this.#pool = new (undici().Pool)(u.origin, {
      connections: opts.connections ?? 8,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connectTimeout: opts.timeoutMs,
      maxResponseSize: MAX_RESPONSE_BYTES,
    });
  }

  /**
   * GET `path` (relative to the base URL's path); the body as bytes.
   * 304 and, when `allow404`, 404 are answers, not errors.
   */
  async getBytes(path: string, opts: GetOptions = {}): Promise<GetBytesResult> {
    const route = routeOf(path);
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#key.reveal()}`,
      accept: 'application/json',
      'content-type': 'application/json',
    };
    if (opts.etag) headers['if-none-match'] = opts.etag;

    try {
      const res = await this.#pool.request({
        method: 'GET',
        path: this.#basePath + path,
        headers,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const status = res.statusCode;
      if (status === 304) {
        await res.body.dump();
        return { status: 304 };
      }
      if (status === 404 && opts.allow404) {
        await res.body.dump();
        return { status: 404 };
      }
      if (status === 401 || status === 403) {
        await res.body.dump();
        throw new MainSystemError('CR_ERR_MAIN_AUTH', `main system rejected the API key (HTTP ${status} on GET ${route} at ${this.where})`, { status });
      }
      if (status < 200 || status > 299) {
        await res.body.dump();
        const retryAfter = res.headers['retry-after'];
        const hint = typeof retryAfter === 'string' ? `, Retry-After ${retryAfter.slice(0, 32)}` : '';
        throw new MainSystemError('CR_ERR_MAIN_HTTP_STATUS', `main system answered HTTP ${status} on GET ${route} at ${this.where}${hint}`, { status });
      }
      let body: Buffer;
      if (opts.into) {
        const into = opts.into;
        into.reset();
        for await (const chunk of res.body) into.append(chunk as Buffer);
        body = into.view();
      } else {
        body = Buffer.from(await res.body.arrayBuffer());
      }
      const etag = res.headers['etag'];
      const ct = res.headers['content-type'];
      return { status: 200, body, etag: typeof etag === 'string' ? etag : null, contentType: typeof ct === 'string' ? ct.slice(0, 64) : 'none' };
    } catch (err) {
      throw this.#classify(err, route, opts.signal, deadline, timeoutMs);
    }
  }

  /** As getBytes, with the body parsed as JSON (for small answers; the listing uses its own splitter). */
  async getJson(path: string, opts: GetOptions = {}): Promise<GetJsonResult> {
    const r = await this.getBytes(path, opts);
    if (r.status !== 200) return r;
    let body: unknown;
    try {
      body = JSON.parse(r.body.toString('utf8'));
    } catch {
      throw this.badJson(path, r);
    }
    return { status: 200, body, etag: r.etag };
  }

  /** The error for an answer that is not the JSON it should be; names route, type and size, never content. */
  badJson(path: string, r: { body: Buffer; contentType: string }, detail = ''): MainSystemError {
    return new MainSystemError(
      'CR_ERR_MAIN_BAD_JSON',
      `main system answered invalid JSON on GET ${routeOf(path)} at ${this.where} (content-type ${r.contentType}, ${r.body.length} bytes${detail ? `, ${detail}` : ''})`,
      { status: 200 },
    );
  }

  #classify(err: unknown, route: string, outer: AbortSignal | undefined, deadline: AbortSignal, timeoutMs: number): MainSystemError {
    if (err instanceof MainSystemError) return err;
    if (outer?.aborted) return new MainSystemError('CR_ERR_MAIN_ABORTED', `GET ${route} stopped: sync aborted`, { cause: err });
    if (
      deadline.aborted ||
      err instanceof undici().errors.HeadersTimeoutError ||
      err instanceof undici().errors.BodyTimeoutError ||
      err instanceof undici().errors.ConnectTimeoutError
    ) {
      return new MainSystemError('CR_ERR_MAIN_TIMEOUT', `main system did not answer GET ${route} at ${this.where} within ${timeoutMs} ms`);
    }
    // Network-level: keep the errno-style code (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET),
    // drop undici's own message — it is ours to word, and the key must stay out.
    const e = err as { code?: unknown; cause?: { code?: unknown } };
    const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : 'error';
    const detail = scrubSecrets(code, [this.#key.reveal()]);
    return new MainSystemError('CR_ERR_MAIN_NETWORK', `connection to the main system failed for GET ${route} at ${this.where} (${detail})`);
  }

  async close(): Promise<void> {
    await this.#pool.close().catch(() => undefined);
  }
}
