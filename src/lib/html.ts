/**
 * The one HTML toolkit: escaping for every page the service writes (the admin status page,
 * `audit --html`, the opt-out page, the public error pages), and for the two report pages
 * (status, audit) one inline stylesheet and bar charts as inline SVG. No script, no external
 * resource: the pages work with JavaScript off, offline, and filed as a single file.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Every value that reaches a page goes through this (ids, reasons, paths, error texts). */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const PAGE_CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem auto;max-width:60rem;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.45rem;margin:.2rem 0 .8rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.3rem 0}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eaeef2;vertical-align:top}
th{font-weight:600;width:16rem}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;width:4rem}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
.ok{color:#116329;font-weight:600}.bad{color:#b3261e;font-weight:600}.warn{color:#8a4b00;font-weight:600}
.banner{padding:.6rem .8rem;border-radius:6px;margin:.6rem 0;font-weight:600}
.banner.ok{background:#dafbe1}.banner.bad{background:#ffebe9}.banner.warn{background:#fff8c5}
.muted{color:#59636e}.figure{font-size:1.6rem;font-weight:700;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid #d0d7de;border-radius:6px;padding:.5rem .8rem;min-width:10rem}
svg text{font:11px system-ui,sans-serif;fill:#59636e}
`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${PAGE_CSS}</style></head>
<body>
${body}
</body></html>
`;
}

export interface BarSeries {
  name: string;
  color: string;
  values: readonly number[];
}

/**
 * Stacked bars, one per label, as inline SVG with a text alternative (role="img" +
 * <title>/<desc>) giving the totals, so the figures are there for a screen reader and a
 * test as well as for the eye.
 */
export function stackedBars(opts: { id: string; title: string; labels: readonly string[]; series: readonly BarSeries[]; width?: number; height?: number; labelEvery?: number }): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 160;
  const n = opts.labels.length;
  const pad = { left: 36, right: 8, top: 8, bottom: 22 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const totals = opts.labels.map((_, i) => opts.series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const step = n > 0 ? plotW / n : plotW;
  const barW = Math.max(1, step * 0.8);
  const bars: string[] = [];
  for (let i = 0; i < n; i++) {
    let y = pad.top + plotH;
    for (const s of opts.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const h = (v / max) * plotH;
      y -= h;
      bars.push(`<rect x="${(pad.left + i * step).toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${esc(opts.labels[i])} ${esc(s.name)}: ${v}</title></rect>`);
    }
  }
  const every = opts.labelEvery ?? Math.max(1, Math.ceil(n / 8));
  const ticks: string[] = [];
  for (let i = 0; i < n; i += every) ticks.push(`<text x="${(pad.left + i * step).toFixed(1)}" y="${height - 6}">${esc(opts.labels[i])}</text>`);
  const sums = opts.series.map((s) => `${s.name} ${s.values.reduce((a, b) => a + b, 0)}`).join(', ');
  const legend = opts.series.map((s) => `<span style="display:inline-block;width:.8em;height:.8em;background:${s.color};margin:0 .3em 0 .8em"></span>${esc(s.name)}`).join('');
  return `<figure style="margin:.4rem 0">
<svg role="img" aria-labelledby="${opts.id}-t ${opts.id}-d" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${opts.id}-t">${esc(opts.title)}</title><desc id="${opts.id}-d">${esc(sums)}</desc>
<line x1="${pad.left}" y1="${pad.top + plotH}" x2="${width - pad.right}" y2="${pad.top + plotH}" stroke="#d0d7de"/>
<text x="2" y="${pad.top + 10}">${max}</text><text x="2" y="${pad.top + plotH}">0</text>
${bars.join('\n')}
${ticks.join('\n')}
</svg>
<figcaption class="muted">${esc(opts.title)}:${legend} <span class="mono">(${esc(sums)})</span></figcaption>
</figure>`;
}
