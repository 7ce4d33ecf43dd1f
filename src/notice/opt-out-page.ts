/**
 * The HTML of /privacy/opt-out and /privacy/opt-in, built from the same PrivacyNotice as
 * `clickrelay privacy-notice`, so the page cannot promise anything the service does not do.
 * Rendered once at start-up in its four variants (page × opted out or not); the public
 * listener only picks one. No script, no external resource: plain forms that post to the
 * page's own path, styled inline (the page's CSP allows nothing else).
 */
import { esc } from '../lib/html.js';
import type { OptOutPages, OptPage } from './opt-out-cookie.js';
import type { PrivacyNotice } from './privacy-notice.js';

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f;line-height:1.45}' +
  'h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}.state{padding:.8rem 1rem;border-radius:.4rem;background:#eef4ff;border:1px solid #b7cdf5}' +
  '.state.out{background:#eefaf0;border-color:#a9dbb3}button{font-size:1rem;padding:.55rem 1.1rem;border-radius:.4rem;border:1px solid #1f5fbf;background:#1f5fbf;color:#fff;cursor:pointer}' +
  'button.secondary{background:#fff;color:#1f5fbf}table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;vertical-align:top;border-bottom:1px solid #ddd;padding:.4rem .3rem}' +
  'code{font-size:.85em}footer{margin-top:2rem;font-size:.85rem;color:#555}';

function fieldRows(n: PrivacyNotice): string {
  return n.fields
    .filter((f) => f.stored !== 'never' && !f.field.startsWith('state'))
    .map((f) => `<tr><td><code>${esc(f.field)}</code></td><td>${esc(f.stored)}</td><td>${esc(f.form)}</td></tr>`)
    .join('');
}

function render(n: PrivacyNotice, page: OptPage, optedOut: boolean): string {
  const state = optedOut
    ? `<p class="state out" role="status"><strong>You have opted out.</strong> This browser carries the opt-out cookie: your clicks on tracked links are ${n.do_not_track.mode === 'count' ? 'counted without any personal data' : 'not recorded at all'}.</p>`
    : '<p class="state" role="status"><strong>Your clicks are recorded</strong> in the reduced form described below.</p>';
  const form =
    page === 'opt-out'
      ? optedOut
        ? '<p>To be recorded again, go to <a href="/privacy/opt-in">/privacy/opt-in</a>.</p>'
        : '<form method="post" action="/privacy/opt-out"><button type="submit">Do not record my clicks</button></form>'
      : optedOut
        ? '<form method="post" action="/privacy/opt-in"><button type="submit" class="secondary">Record my clicks again</button></form>'
        : '<p>You are not opted out. To opt out, go to <a href="/privacy/opt-out">/privacy/opt-out</a>.</p>';
  const title = page === 'opt-out' ? 'Do not record my clicks' : 'Record my clicks again';
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${title}</title><style>${STYLE}</style></head><body><main>` +
    `<h1>${title}</h1>${state}${form}` +
    `<h2>How opting out works</h2><p>${esc(n.do_not_track.text)}</p><p>${esc(n.opt_out.text)}</p><p><strong>Cookies:</strong> ${esc(n.cookies)}</p>` +
    `<h2>What is recorded when you follow a tracked link</h2><table><thead><tr><th>Field</th><th>Stored</th><th>In what form</th></tr></thead><tbody>${fieldRows(n)}</tbody></table>` +
    `<h2>Automated visitors</h2><p>${esc(n.bots)}</p><p>${esc(n.scanners)}</p><p>${esc(n.prefetch)}</p>` +
    `<h2>Country</h2><p>${esc(n.country)}</p>` +
    `<h2>How long, and where it goes</h2><ul>${n.retention.text.map((t) => `<li>${esc(t)}</li>`).join('')}</ul><p>${esc(n.recipients.text)}</p>` +
    `</main><footer>Generated from the configuration in force.</footer></body></html>`
  );
}

/** The four variants, rendered now. */
export function optOutPages(notice: PrivacyNotice): OptOutPages {
  const pages = {
    'opt-out': [render(notice, 'opt-out', false), render(notice, 'opt-out', true)],
    'opt-in': [render(notice, 'opt-in', false), render(notice, 'opt-in', true)],
  } as const;
  return { render: (page, optedOut) => pages[page][optedOut ? 1 : 0] };
}
