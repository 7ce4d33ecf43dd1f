/**
 * The reference main system's data: the guide's `link_tracking` and `link_clicks`
 * tables in a SQLite file. Synchronous (better-sqlite3), like the real thing would be
 * transactional: a batch of clicks is stored in one transaction, all or nothing.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';

export interface RefLink {
  tracking_id: string;
  original_url: string;
  is_active?: boolean;
  job_id?: string | null;
  application_id?: string | null;
  link_function?: string | null;
  link_type?: string | null;
  redirect_url?: string | null;
  created_at?: string | null;
  created_by?: string | null;
  description?: string | null;
}

export interface StoredClick {
  click_id: string;
  tracking_id: string;
  clicked_at: string;
  ip_address: string | null;
  user_agent: string | null;
  referrer_url: string | null;
  session_id: string | null;
  click_source: string | null;
  metadata: Record<string, unknown>;
  /** 'single' (record-click) or 'batch' (record-clicks). */
  via: string;
  received_at: string;
}

export type ClickStatus = 'recorded' | 'duplicate';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS link_tracking (
  tracking_id    TEXT PRIMARY KEY,
  job_id         TEXT,
  application_id TEXT,
  link_function  TEXT NOT NULL DEFAULT 'Test',
  link_type      TEXT NOT NULL DEFAULT 'test',
  original_url   TEXT NOT NULL,
  redirect_url   TEXT NOT NULL DEFAULT '',
  created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  created_by     TEXT DEFAULT 'system',
  is_active      INTEGER NOT NULL DEFAULT 1,
  description    TEXT,
  raw_json       TEXT  -- when set, the listing serves this verbatim (to test a client's validation)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS link_clicks (
  click_id     TEXT PRIMARY KEY,
  tracking_id  TEXT NOT NULL,
  clicked_at   TEXT NOT NULL,
  ip_address   TEXT,
  user_agent   TEXT,
  referrer_url TEXT,
  session_id   TEXT,
  click_source TEXT,
  metadata     TEXT NOT NULL DEFAULT '{}',
  via          TEXT NOT NULL,
  received_at  TEXT NOT NULL,
  seq          INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS link_clicks_tracking ON link_clicks (tracking_id);
`;

const COLS = ['tracking_id', 'job_id', 'application_id', 'link_function', 'link_type', 'original_url', 'redirect_url', 'created_at', 'created_by', 'is_active', 'description', 'raw_json'] as const;

export class RefStore {
  readonly db: Database.Database;
  /** Bumped by every change to the link set; the listing's ETag is derived from it. */
  version = 0;
  /** Distinguishes this server's ETags from another run's on the same port. */
  readonly epoch = Date.now().toString(36);
  #rawSeq = 0;
  #clickSeq = 0;
  readonly #upsert: Database.Statement;
  readonly #insertClick: Database.Statement;

  /**
   * `synchronous`: 'normal' (default) fsyncs at WAL checkpoints; 'off' never does. Either way
   * a killed process loses nothing committed (WAL); only a power loss could. The drain
   * benchmark uses 'off': this process stands in for a database server on another machine,
   * and on a shared 2-core box its checkpoint fsyncs measured as half of its cost per click.
   */
  constructor(path: string, synchronous: 'normal' | 'off' = 'normal') {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${synchronous === 'off' ? 'OFF' : 'NORMAL'}`);
    // A database server keeps its working set in memory; SQLite's default page cache (2 MiB)
    // would make a million-click table re-read its index pages from the OS on every insert.
    this.db.pragma('cache_size = -131072');
    this.db.exec(SCHEMA);
    this.#upsert = this.db.prepare(
      `INSERT OR REPLACE INTO link_tracking (${COLS.join(', ')}) VALUES (${COLS.map((c) => '@' + c).join(', ')})`,
    );
    // One statement per click: a known click_id changes nothing, and that is how a duplicate is told.
    this.#insertClick = this.db.prepare(
      `INSERT INTO link_clicks (click_id, tracking_id, clicked_at, ip_address, user_agent, referrer_url, session_id, click_source, metadata, via, received_at, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (click_id) DO NOTHING`,
    );
  }

  get etag(): string {
    return `"${this.epoch}-${this.version}"`;
  }

  addLinks(links: RefLink[]): void {
    this.db.transaction(() => {
      for (const l of links) this.#upsert.run(row(l));
    })();
    this.version++;
  }

  setLink(link: RefLink): void {
    this.addLinks([link]);
  }

  /**
   * Store objects exactly as given (valid or not) so the listing and the analytics call
   * serve them verbatim. Keyed by their tracking_id when it is a non-empty string, else
   * by a generated `~raw-…` key (sorts after real ids).
   */
  addRawLinks(items: unknown[]): void {
    this.db.transaction(() => {
      for (const item of items) {
        const given = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)['tracking_id'] : undefined;
        const id = typeof given === 'string' && given !== '' ? given : `~raw-${String(++this.#rawSeq).padStart(8, '0')}`;
        this.#upsert.run({ ...row({ tracking_id: id, original_url: '' }), raw_json: JSON.stringify(item) });
      }
    })();
    this.version++;
  }

  removeLink(id: string): boolean {
    const n = this.db.prepare('DELETE FROM link_tracking WHERE tracking_id = ?').run(id).changes;
    if (n > 0) this.version++;
    return n > 0;
  }

  getLink(id: string): Record<string, unknown> | null {
    const r = this.db.prepare('SELECT * FROM link_tracking WHERE tracking_id = ?').get(id) as Record<string, unknown> | undefined;
    return r ? toApi(r) : null;
  }

  linkCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM link_tracking').get() as { n: number }).n;
  }

  /** Keyset page: rows with tracking_id > after, in id order, plus whether more follow. */
  listLinks(after: string | null, limit: number): { links: Record<string, unknown>[]; last: string | null; more: boolean } {
    const rows = this.db
      .prepare('SELECT * FROM link_tracking WHERE tracking_id > ? ORDER BY tracking_id LIMIT ?')
      .all(after ?? '', limit + 1) as Record<string, unknown>[];
    const more = rows.length > limit;
    if (more) rows.pop();
    const last = rows.length ? String(rows[rows.length - 1]!['tracking_id']) : null;
    return { links: rows.map(toApi), last, more };
  }

  /** n generated links `lt_seed_0000001`… in one transaction (a million in a few seconds). */
  seed(n: number, prefix = 'lt_seed_'): void {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const ins = this.db.prepare(
      `INSERT OR REPLACE INTO link_tracking (tracking_id, job_id, application_id, link_function, link_type, original_url, redirect_url, created_at, created_by, is_active, description)
       VALUES (?, ?, NULL, 'Job_Posting', 'job_posting', ?, ?, ?, 'seed', ?, NULL)`,
    );
    this.db.transaction(() => {
      for (let i = 1; i <= n; i++) {
        const id = prefix + String(i).padStart(7, '0');
        ins.run(id, randomUUID(), `https://jobs.example.com/postings/${i}?ref=seed`, `https://go.example.com/track/${id}`, now, i % 10 === 0 ? 0 : 1);
      }
    })();
    this.version++;
  }

  /** Store clicks in one transaction; per click 'recorded', or 'duplicate' when its click_id is known. */
  storeClicks(clicks: Array<Record<string, unknown>>, via: 'single' | 'batch'): Array<{ click_id: string; status: ClickStatus }> {
    const received = new Date().toISOString();
    return this.db.transaction(() =>
      clicks.map((c) => {
        const click_id = typeof c['click_id'] === 'string' && c['click_id'] !== '' ? c['click_id'] : randomUUID();
        const stored = this.#insertClick.run(
          click_id,
          String(c['tracking_id']),
          String(c['clicked_at']),
          str(c['ip_address']),
          str(c['user_agent']),
          str(c['referrer_url']),
          str(c['session_id']),
          str(c['click_source']),
          JSON.stringify(c['metadata'] ?? {}),
          via,
          received,
          this.#clickSeq + 1,
        ).changes;
        if (stored === 0) return { click_id, status: 'duplicate' as const };
        this.#clickSeq++;
        return { click_id, status: 'recorded' as const };
      }),
    )();
  }

  clicks(): StoredClick[] {
    return (this.db.prepare('SELECT * FROM link_clicks ORDER BY seq').all() as Record<string, unknown>[]).map((r) => ({
      click_id: String(r['click_id']),
      tracking_id: String(r['tracking_id']),
      clicked_at: String(r['clicked_at']),
      ip_address: r['ip_address'] as string | null,
      user_agent: r['user_agent'] as string | null,
      referrer_url: r['referrer_url'] as string | null,
      session_id: r['session_id'] as string | null,
      click_source: r['click_source'] as string | null,
      metadata: JSON.parse(String(r['metadata'])) as Record<string, unknown>,
      via: String(r['via']),
      received_at: String(r['received_at']),
    }));
  }

  clickCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM link_clicks').get() as { n: number }).n;
  }

  /** The guide's click_statistics block. */
  clickStats(id: string): Record<string, unknown> {
    const now = Date.now();
    const r = this.db
      .prepare(
        `SELECT count(*) AS total, count(DISTINCT session_id) AS sessions, min(clicked_at) AS first, max(clicked_at) AS last,
                coalesce(sum(clicked_at >= ?), 0) AS d1, coalesce(sum(clicked_at >= ?), 0) AS d7
           FROM link_clicks WHERE tracking_id = ?`,
      )
      .get(new Date(now - 86_400_000).toISOString(), new Date(now - 7 * 86_400_000).toISOString(), id) as Record<string, unknown>;
    return {
      total_clicks: r['total'], unique_sessions: r['sessions'], first_click: r['first'] ?? null,
      last_click: r['last'] ?? null, clicks_24h: r['d1'], clicks_7d: r['d7'],
    };
  }

  close(): void {
    this.db.close();
  }
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function row(l: RefLink): Record<string, unknown> {
  return {
    tracking_id: l.tracking_id,
    job_id: l.job_id ?? null,
    application_id: l.application_id ?? null,
    link_function: l.link_function ?? 'Test',
    link_type: l.link_type ?? 'test',
    original_url: l.original_url,
    redirect_url: l.redirect_url ?? `https://go.example.com/track/${l.tracking_id}`,
    created_at: l.created_at ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    created_by: l.created_by ?? 'system',
    is_active: l.is_active === false ? 0 : 1,
    description: l.description ?? null,
    raw_json: null,
  };
}

/** A row as the API shows it: is_active as a boolean, raw rows verbatim. */
function toApi(r: Record<string, unknown>): Record<string, unknown> {
  if (typeof r['raw_json'] === 'string') return JSON.parse(r['raw_json']) as Record<string, unknown>;
  const { raw_json: _raw, ...rest } = r;
  return { ...rest, is_active: r['is_active'] === 1 };
}
