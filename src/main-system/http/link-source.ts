/**
 * The main system's listing (contract extension): `GET /api/link-tracking/links?cursor=&limit=`
 * → `{"links":[...], "next_cursor": string|null}`, followed until next_cursor is null.
 *
 * The first page carries If-None-Match; its ETag stands for the whole listing, so a 304
 * means "nothing changed" and the sync ends without fetching or writing anything.
 * The next page is requested while the current one is being inserted, which hides
 * the main system's own time per page. A page is kept as bytes and its links parsed a
 * few hundred at a time as they are consumed (page-splitter.ts says why).
 */
import { MainSystemError } from '../errors.js';
import type { LinkSource, Listing } from '../../mirror/ports.js';
import { ByteBuffer, type MainSystemClient } from './client.js';
import { PageSyntaxError, parseElements, splitLinksPage, type SplitPage } from './page-splitter.js';

export const LINKS_PATH = '/api/link-tracking/links';
/** Links handed to the sync at a time: small enough that they die young in V8's nursery. */
const BATCH = 500;

interface Page {
  path: string;
  body: Buffer;
  split: SplitPage;
  next: string | null;
}

export function httpLinkSource(client: MainSystemClient, pageSize: number): LinkSource {
  return {
    id: client.where,
    open: async ({ etag, signal }) => openListing(client, pageSize, etag, signal),
  };
}

async function openListing(client: MainSystemClient, pageSize: number, etag: string | null, signal?: AbortSignal): Promise<Listing> {
  const path = pagePath(null, pageSize);
  // Two page buffers, alternating: the page being consumed and the one being prefetched.
  const buffers: [ByteBuffer, ByteBuffer] = [new ByteBuffer(), new ByteBuffer()];
  const first = await client.getBytes(path, { etag, into: buffers[0], ...(signal ? { signal } : {}) });
  if (first.status === 304) return { unchanged: true };
  if (first.status !== 200) throw shapeError('unexpected 404 on the listing');
  const page1 = toPage(client, path, first);
  return { unchanged: false, etag: first.etag, pages: followPages(client, pageSize, page1, buffers, signal) };
}

async function* followPages(
  client: MainSystemClient,
  pageSize: number,
  first: Page,
  buffers: [ByteBuffer, ByteBuffer],
  signal?: AbortSignal,
): AsyncGenerator<Iterable<unknown>> {
  const seen = new Set<string>();
  let page = first;
  let spare = 1; // buffers[spare] is free: the current page lives in the other one
  for (;;) {
    let nextP: Promise<Page> | null = null;
    if (page.next !== null) {
      // A server that hands back a cursor it gave before would keep us paging forever.
      if (seen.has(page.next)) throw shapeError('the listing repeated a next_cursor');
      seen.add(page.next);
      nextP = fetchPage(client, page.next, pageSize, buffers[spare]!, signal);
      spare ^= 1; // once nextP is current, the page we are about to finish is the spare
      nextP.catch(() => undefined); // consumed below; silence the unhandled-rejection warning if we stop early
    }
    yield rowsOf(client, page);
    if (nextP === null) return;
    page = await nextP;
  }
}

/** One page's links, parsed BATCH at a time as they are consumed. */
function* rowsOf(client: MainSystemClient, page: Page): Generator<unknown> {
  for (let k = 0; k < page.split.count; k += BATCH) {
    let batch: unknown[];
    try {
      batch = parseElements(page.body, page.split, k, k + BATCH);
    } catch {
      throw client.badJson(page.path, { body: page.body, contentType: 'application/json' }, `link ${k + 1}ff. is not JSON`);
    }
    yield* batch;
  }
}

async function fetchPage(client: MainSystemClient, cursor: string, pageSize: number, into: ByteBuffer, signal?: AbortSignal): Promise<Page> {
  const path = pagePath(cursor, pageSize);
  const r = await client.getBytes(path, { into, ...(signal ? { signal } : {}) });
  if (r.status !== 200) throw shapeError(`unexpected HTTP ${r.status} on a listing page`);
  return toPage(client, path, r);
}

function toPage(client: MainSystemClient, path: string, r: { body: Buffer; contentType: string }): Page {
  let split: SplitPage;
  try {
    split = splitLinksPage(r.body);
  } catch (err) {
    if (!(err instanceof PageSyntaxError || err instanceof SyntaxError)) throw err;
    if (isJson(r.body)) throw shapeError('the answer is not a JSON object with a "links" array');
    throw client.badJson(path, r, err instanceof PageSyntaxError ? err.message : '');
  }
  if (!split.hasLinks) throw shapeError('the answer has no "links" array');
  const nc = split.members['next_cursor'];
  // Absent or "" reads as "last page": a server that does not page at all answers {"links":[...]}.
  if (nc !== undefined && nc !== null && typeof nc !== 'string') throw shapeError('"next_cursor" is neither a string nor null');
  return { path, body: r.body, split, next: typeof nc === 'string' && nc !== '' ? nc : null };
}

/** Only on the error path: tells "wrong shape" from "not JSON at all". */
function isJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

function pagePath(cursor: string | null, limit: number): string {
  const q = new URLSearchParams();
  if (cursor !== null) q.set('cursor', cursor);
  q.set('limit', String(limit));
  return `${LINKS_PATH}?${q.toString()}`;
}

function shapeError(what: string): MainSystemError {
  return new MainSystemError('CR_ERR_MAIN_BAD_RESPONSE', `main system listing ${LINKS_PATH}: ${what}`);
}
