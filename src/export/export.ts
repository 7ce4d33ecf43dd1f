/**
 * `clickrelay export`: outbox rows as NDJSON or CSV, streamed. Rows come from the read-only
 * iterator one at a time and leave in ~64 KiB chunks; when the consumer is slower than
 * SQLite (a pipe into gzip, ssh, a full disk) the export waits for 'drain' instead of
 * buffering, so memory stays flat on millions of rows.
 */
import { CLICK_COLUMNS, type StoredRow } from '../outbox/index.js';
import { csvRecord } from './csv.js';

export type ExportFormat = 'ndjson' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'csv'];

/**
 * The guide's link_clicks columns, `anonymous`, the delivery state, and three columns read
 * out of metadata for a reviewer's spreadsheet: `visitor` (human, scanner or bot), `scanner`
 * (which e-mail security gateway) and `country` (ISO 3166-1 alpha-2, when privacy.country
 * stores one). They repeat metadata; metadata stays the record.
 */
export const EXPORT_COLUMNS = [...CLICK_COLUMNS, 'state', 'shipped_at', 'visitor', 'scanner', 'country'] as const;

interface Derived {
  visitor: 'human' | 'scanner' | 'bot';
  scanner: string | null;
  country: string | null;
}

function derived(metadata: unknown): Derived {
  const m = metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : {};
  const scanner = typeof m.scanner === 'string' ? m.scanner : null;
  return { visitor: scanner !== null ? 'scanner' : m.bot === true ? 'bot' : 'human', scanner, country: typeof m.country === 'string' ? m.country : null };
}

const CHUNK_CHARS = 64 * 1024;

/** The minimum of a writable stream the export needs (process.stdout in the CLI). */
export interface ExportSink {
  write(chunk: string): boolean;
  on(event: 'drain' | 'error' | 'close', listener: (err?: Error) => void): unknown;
  off(event: 'drain' | 'error' | 'close', listener: (err?: Error) => void): unknown;
}

function text(v: unknown): string | null {
  return v === null || v === undefined ? null : typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('base64') : String(v);
}

/** metadata as a JSON value; a value that is not JSON (edited by hand) is exported as its text. */
function metadataValue(v: unknown): unknown {
  if (v === '{}') return {};
  try {
    return JSON.parse(String(v)) as unknown;
  } catch {
    return text(v);
  }
}

function exportHeader(format: ExportFormat): string {
  return format === 'csv' ? csvRecord(EXPORT_COLUMNS) : '';
}

export function exportLine(row: StoredRow, format: ExportFormat): string {
  const [click_id, tracking_id, clicked_at, ip_address, user_agent, referrer_url, session_id, click_source, metadata, anonymous] = row.columns as readonly unknown[];
  const meta = metadataValue(metadata);
  const d = derived(meta);
  if (format === 'csv') {
    return csvRecord([
      text(click_id),
      text(tracking_id),
      text(clicked_at),
      text(ip_address),
      text(user_agent),
      text(referrer_url),
      text(session_id),
      text(click_source),
      text(metadata),
      anonymous === 1 ? 'true' : 'false',
      row.state,
      row.shipped_at,
      d.visitor,
      d.scanner,
      d.country,
    ]);
  }
  // JSON.stringify escapes CR/LF inside values, so one record is always one line.
  return `${JSON.stringify({
    click_id: text(click_id),
    tracking_id: text(tracking_id),
    clicked_at: text(clicked_at),
    ip_address: text(ip_address),
    user_agent: text(user_agent),
    referrer_url: text(referrer_url),
    session_id: text(session_id),
    click_source: text(click_source),
    metadata: meta,
    anonymous: anonymous === 1,
    state: row.state,
    shipped_at: row.shipped_at,
    visitor: d.visitor,
    scanner: d.scanner,
    country: d.country,
  })}\n`;
}

export interface ExportResult {
  rows: number;
  /** The sink failed (EPIPE when the reader went away, ENOSPC…); what was written stands. */
  error: Error | null;
}

/** Resolves on 'drain', or on 'error'/'close' (the loop then sees the failure and stops). */
function drained(out: ExportSink): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('error', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('error', done);
    out.on('close', done);
  });
}

export async function writeExport(rows: Iterable<StoredRow>, format: ExportFormat, out: ExportSink, onProgress?: (rows: number) => void): Promise<ExportResult> {
  let error: Error | null = null;
  const onError = (err?: Error) => {
    error ??= err ?? new Error('output closed');
  };
  out.on('error', onError);
  let n = 0;
  const flush = async (chunk: string): Promise<void> => {
    if (chunk !== '' && !out.write(chunk)) await drained(out);
  };
  try {
    let buf = exportHeader(format);
    for (const row of rows) {
      buf += exportLine(row, format);
      n++;
      if (buf.length >= CHUNK_CHARS) {
        await flush(buf);
        buf = '';
        if (error) break;
        onProgress?.(n);
      }
    }
    if (!error) await flush(buf);
    onProgress?.(n);
    return { rows: n, error };
  } finally {
    out.off('error', onError);
  }
}
