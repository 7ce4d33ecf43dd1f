/**
 * The admin listener's `GET /`: one server-rendered page a sysadmin opens in a browser
 * (through an SSH tunnel, or with the admin token), answering "is it working?" without
 * JavaScript: mirror, outbox, shipping and its last error, recent clicks as a chart, the
 * privacy policy in force, and the chain's state. Built from cheap figures only — nothing
 * here scans the outbox (see status-data in service.ts and click-rate.ts).
 */
import type { WeakenedSetting } from '../../notice/index.js';
import type { ShippingSnapshot } from '../../shipper/index.js';
import type { MinuteCounts } from '../../observe/click-rate.js';
import { esc, page, stackedBars } from '../../lib/html.js';

export interface StatusData {
  version: string;
  now: string;
  started_at: string;
  pid: number;
  uws_build: string;
  standalone: boolean;
  main_system: string;
  /** What the sink's probe found (a stream sink: the stream and the duplicate window read from it); may be empty. */
  sink?: string[];
  /** privacy.country on: the database in use, its age and its licence with the attribution (null: off). */
  country?: string[] | null;
  mirror: { links: number; active: number; inactive: number; last_sync: string | null; last_error: { at: string; message: string } | null; ready: boolean };
  outbox: {
    pending: number;
    oldest_pending: string | null;
    shipped: number;
    dead_letter: number;
    last_seq: number;
    durability: string;
    retention_days: number;
    /** Each outbox shard (outbox.db, outbox-1.db, …); the figures above are their sums. */
    shards?: { file: string; pending: number; shipped: number; dead_letter: number; last_seq: number; head_seq: number | null }[];
  };
  shipping: ShippingSnapshot;
  rate: MinuteCounts;
  policy: Record<string, string | number | boolean>;
  weakened: WeakenedSetting[];
  /** One shard's chain: shard 0's, or the shard whose head is unreadable or ahead. `head_file` defaults to outbox.head. */
  chain: { tip_seq: number; head_seq: number | null; head_error: string | null; head_file?: string };
}

/** Minutes of the chart; the counter keeps more, the page shows the last three hours. */
const CHART_MINUTES = 180;

const row = (k: string, v: string, id?: string): string => `<tr${id ? ` id="${id}"` : ''}><th>${esc(k)}</th><td>${v}</td></tr>`;

function age(fromIso: string | null, nowIso: string): string {
  if (!fromIso) return '';
  const s = Math.max(0, Math.round((Date.parse(nowIso) - Date.parse(fromIso)) / 1000));
  const text = s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : s < 172_800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86_400)} days`;
  return ` <span class="muted">(${text} ago)</span>`;
}

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

export function renderStatusPage(d: StatusData): string {
  const o = d.outbox;
  const s = d.shipping;
  const n = Math.min(CHART_MINUTES, d.rate.minutes.length);
  const from = d.rate.minutes.length - n;
  const humans = d.rate.humans.slice(from);
  const bots = d.rate.bots.slice(from);
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const lastHour = sum(humans.slice(-60)) + sum(bots.slice(-60));
  const lastMinute = (humans.at(-1) ?? 0) + (bots.at(-1) ?? 0);

  const shippingRow = d.standalone
    ? '<span class="muted">off — standalone (no main_system.base_url): clicks are kept here, not shipped</span>'
    : s.state === 'retrying' || s.state === 'paused'
      ? `<span class="bad">${s.state === 'paused' ? 'PAUSED' : 'FAILING'}</span> to ${esc(d.main_system)}`
      : `<span class="ok">${s.state === 'ok' ? 'ok' : 'idle'}</span> to ${esc(d.main_system)}`;
  // Cleared by a later success: shown as history, with when, not as the current fault.
  const cleared = s.last_error && s.last_error_at && s.last_success && s.last_success >= s.last_error_at && (s.state === 'ok' || s.state === 'idle');
  const lastError = cleared
    ? `<span class="muted">past: <code>${esc(s.last_error!)}</code>${age(s.last_error_at, d.now)}; cleared by the successful shipment at ${esc(s.last_success!)}</span>`
    : s.last_error
    ? `<code>${esc(s.last_error)}</code>${s.attempt ? `, attempt ${s.attempt}` : ''}${s.next_attempt_at ? `, next attempt ${esc(s.next_attempt_at)}` : ''}${age(s.last_error_at, d.now)}`
    : 'none';

  const backlog = d.standalone
    ? row('kept locally', `<span class="figure" id="kept">${o.pending}</span> clicks${o.oldest_pending ? `, oldest ${esc(o.oldest_pending)}${age(o.oldest_pending, d.now)}` : ''} <span class="muted">(purged after ${o.retention_days} days)</span>`, 'outbox-kept')
    : row('backlog (pending)', `<span class="figure" id="pending">${o.pending}</span> clicks${o.oldest_pending ? `, oldest ${esc(o.oldest_pending)}${age(o.oldest_pending, d.now)}` : ''}`, 'outbox-pending');

  const headAhead = d.chain.head_seq !== null && d.chain.head_seq > d.chain.tip_seq;
  const headFile = esc(d.chain.head_file ?? 'outbox.head');
  const shards = o.shards && o.shards.length > 1 ? o.shards : [];
  const chainText = d.chain.head_error
    ? `<span class="bad">${headFile} unreadable</span>: ${esc(d.chain.head_error)}`
    : headAhead
      ? `<span class="bad">${headFile} (${d.chain.head_seq}) is ahead of the database (${d.chain.tip_seq}): rows were cut off — run clickrelay audit</span>`
      : shards.length > 0
        ? `<span class="ok">${shards.length} shards, each chained on its own</span>: ${shards.map((sh) => `${esc(sh.file)} tip ${sh.last_seq}, head ${sh.head_seq ?? 'none yet'}`).join('; ')} <span class="muted">(<code>clickrelay audit</code> verifies every link of every chain)</span>`
        : `<span class="ok">tip at position ${d.chain.tip_seq}</span>, outbox.head at ${d.chain.head_seq ?? 'none yet'} <span class="muted">(the head is written after each commit; <code>clickrelay audit</code> verifies every link of the chain)</span>`;

  const policyRows = Object.entries(d.policy)
    .map(([k, v]) => {
      const w = d.weakened.find((x) => x.key === k);
      return `<tr${w ? ' class="weak"' : ''}><th><code>${esc(k)}</code></th><td><code>${esc(JSON.stringify(v))}</code>${w ? ` <span class="warn">weaker than the default ${esc(JSON.stringify(w.default))}: ${esc(w.effect)}</span>` : ''}</td></tr>`;
    })
    .join('\n');

  const chart = stackedBars({
    id: 'clicks',
    title: `Clicks per minute, last ${Math.round(n / 60)} hours (UTC)`,
    labels: d.rate.minutes.slice(from).map(hhmm),
    series: [
      { name: 'people', color: '#0969da', values: humans },
      { name: 'bots', color: '#bf8700', values: bots },
    ],
    labelEvery: 30,
  });

  return page(
    'clickrelay status',
    `<h1>clickrelay status</h1>
<p class="muted">clickrelay ${esc(d.version)} · pid ${d.pid} · up since ${esc(d.started_at)} · ${esc(d.uws_build)} · page made ${esc(d.now)}</p>
${d.weakened.length ? `<div class="banner warn" id="weakened">${d.weakened.length} privacy setting${d.weakened.length === 1 ? ' is' : 's are'} weaker than the defaults (see Privacy policy below)</div>` : ''}
<div class="cards">
<div class="card"><div class="muted">links in the mirror</div><div class="figure" id="links">${d.mirror.links}</div></div>
<div class="card"><div class="muted">${d.standalone ? 'kept locally' : 'waiting to ship'}</div><div class="figure" id="backlog">${o.pending}</div></div>
<div class="card"><div class="muted">clicks, last hour</div><div class="figure" id="last-hour">${lastHour}</div></div>
<div class="card"><div class="muted">dead letters</div><div class="figure" id="dead">${o.dead_letter}</div></div>
</div>
<h2>Mirror</h2>
<table>
${row('links', `${d.mirror.links} (${d.mirror.active} active, ${d.mirror.inactive} inactive)`)}
${row('last sync', d.mirror.last_sync ? `${esc(d.mirror.last_sync)}${age(d.mirror.last_sync, d.now)}` : '<span class="warn">never</span>', 'last-sync')}
${row('last sync error', d.mirror.last_error ? `<span class="bad">${esc(d.mirror.last_error.message)}</span>${age(d.mirror.last_error.at, d.now)}` : 'none')}
${row('ready', d.mirror.ready ? '<span class="ok">yes</span>' : '<span class="bad">no mirror loaded</span>')}
</table>
<h2>Outbox</h2>
<table>
${backlog}
${row('shipped, still held', String(o.shipped))}
${row('dead letters', o.dead_letter ? `<span class="bad">${o.dead_letter}</span> — <code>clickrelay dead-letters list</code>` : '0')}
${row('durability', esc(o.durability))}
${shards.map((sh) => row(`shard ${sh.file}`, `${sh.pending} ${d.standalone ? 'kept' : 'pending'}, ${sh.shipped} shipped, ${sh.dead_letter} dead letters`)).join('\n')}
</table>
<h2>Shipping</h2>
<table>
${row('state', shippingRow, 'shipping-state')}
${row('last error', lastError, 'shipping-error')}
${row('last success', s.last_success ? `${esc(s.last_success)}${age(s.last_success, d.now)}` : 'none since start')}
${(d.sink ?? []).map((l, i) => row(i === 0 ? 'sink' : '', esc(l), i === 0 ? 'sink' : undefined)).join('\n')}
</table>
<h2>Clicks</h2>
<p>Last minute <strong id="last-minute">${lastMinute}</strong> · last hour <strong>${lastHour}</strong> (people ${sum(humans.slice(-60))}, bots ${sum(bots.slice(-60))})</p>
${chart}
<p class="muted">Counted in memory as clicks are recorded, so the chart starts at the service's start (${esc(d.started_at)}).</p>
<h2>Privacy policy in force</h2>
<table id="policy">
${policyRows}
</table>
${d.country ? `<h2>Country database</h2>\n<table id="country-db">\n${d.country.map((l, i) => row(['in use', 'licence', 'warning'][i] ?? '', l.startsWith('CR_ERR_') ? `<span class="warn">${esc(l)}</span>` : esc(l))).join('\n')}\n</table>\n` : ''}<h2>Audit chain</h2>
<p id="chain">${chainText}</p>
`,
  );
}
