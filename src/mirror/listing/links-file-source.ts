/**
 * `sync.file`: the standalone source. A JSON array (`[...]`) or NDJSON (one link object
 * per line), told apart by the first non-space character. NDJSON is streamed line by
 * line, so a big file costs one page of memory; a JSON array has to be parsed whole
 * (fine for the hand-kept files this mode is for).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { LinkSource, LinkSourcePort, Listing, OpenedLinkSource } from '../ports.js';
import { MirrorError } from '../errors.js';
import { BAD_JSON_ROW } from './bad-json-row.js';

const PAGE = 5_000;

/** `sync.file` as the mirror's link-source port; null when no file is configured. */
export function linksFileSource(path: string): LinkSourcePort | null {
  if (path === '') return null;
  const settings: FileSettings = { path };
  return { id: `file:${path}`, spec: () => ({ module: import.meta.url, settings }) };
}

interface FileSettings {
  path: string;
}

/** The build thread's entry (LinkSourceSpec.module): a file holds no connection to close. */
export async function openLinkSource(settings: FileSettings): Promise<OpenedLinkSource> {
  return { source: fileSource(settings.path), close: async () => undefined };
}

export function fileSource(path: string): LinkSource {
  return {
    id: `file:${path}`,
    open: async ({ signal }) => openFile(path, signal),
  };
}

async function openFile(path: string, signal?: AbortSignal): Promise<Listing> {
  const first = await firstSignificantChar(path);
  if (first === '[') return { unchanged: false, etag: null, pages: jsonArrayPages(path) };
  if (first === '{') return { unchanged: false, etag: null, pages: ndjsonPages(path, signal) };
  if (first === null) throw fileError(path, 'the file is empty (write [] for an intentionally empty set)');
  throw fileError(path, `expected a JSON array ("[") or NDJSON objects ("{"), found ${JSON.stringify(first)}`);
}

async function firstSignificantChar(path: string): Promise<string | null> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw fileError(path, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const buf = Buffer.alloc(4096);
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return null;
      // Skip whitespace and a UTF-8 BOM (editors on Windows add one).
      const s = buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
      const m = /\S/.exec(s);
      if (m) return m[0];
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

async function* jsonArrayPages(path: string): AsyncGenerator<unknown[]> {
  const { readFile } = await import('node:fs/promises');
  const text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  let all: unknown;
  try {
    all = JSON.parse(text);
  } catch (err) {
    throw fileError(path, `not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(all)) throw fileError(path, 'the JSON is not an array');
  for (let i = 0; i < all.length; i += PAGE) yield all.slice(i, i + PAGE);
}

async function* ndjsonPages(path: string, signal?: AbortSignal): AsyncGenerator<unknown[]> {
  const input = createReadStream(path, { encoding: 'utf8', ...(signal ? { signal } : {}) });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let page: unknown[] = [];
  let first = true;
  try {
    for await (let line of lines) {
      if (first) {
        line = line.replace(/^\uFEFF/, '');
        first = false;
      }
      if (line.trim() === '') continue;
      try {
        page.push(JSON.parse(line));
      } catch {
        page.push(BAD_JSON_ROW);
      }
      if (page.length >= PAGE) {
        yield page;
        page = [];
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
  if (page.length > 0) yield page;
}

function fileError(path: string, what: string): MirrorError {
  return new MirrorError('CR_ERR_MIRROR_FILE', `sync.file "${path}": ${what}`);
}
