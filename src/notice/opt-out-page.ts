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

/**
 * The words of each privacy.dnt_mode: under "count" an opted-out click is still counted
 * (anonymously), so the button must not promise "not recorded" (#25).
 */
const WORDS = {
  count: {
    outTitle: 'Count my clicks without personal data',
    outButton: 'Count my clicks without personal data',
    outEffect: 'still counted, but nothing that could tell your clicks apart from anyone else’s is kept: no network address, browser, referring page, session or country',
    inTitle: 'Record my clicks in full again',
    inButton: 'Record my clicks in full again',
  },
  drop: {
    outTitle: 'Do not record my clicks',
    outButton: 'Do not record my clicks',
    outEffect: 'not recorded at all (you are still sent on to the link)',
    inTitle: 'Record my clicks again',
    inButton: 'Record my clicks again',
  },
} as const;

/** The operator's contact as a link when it is an e-mail address or a web address. */
function contactHtml(n: PrivacyNotice): string {
  const { name, contact } = n.operator;
  const who = name ? `This link service is run by <strong>${esc(name)}</strong>.` : 'The operator of this link service has not given their name here.';
  if (!contact) return `<p>${who} No contact address is given here either: ask whoever sent you the link who runs it.</p>`;
  const href = /^[^\s@]+@[^\s@]+$/.test(contact) ? `mailto:${contact}` : /^https?:\/\//i.test(contact) ? contact : null;
  const shown = href ? `<a href="${esc(href)}">${esc(contact)}</a>` : esc(contact);
  return `<p>${who} Questions about your click data, or a request to see or delete it: ${shown}.</p>`;
}

function render(n: PrivacyNotice, page: OptPage, optedOut: boolean): string {
  const w = WORDS[n.do_not_track.mode];
  const state = optedOut
    ? `<p class="state out" role="status"><strong>You have opted out.</strong> This browser carries the opt-out cookie: your clicks on tracked links are ${esc(w.outEffect)}.</p>`
    : '<p class="state" role="status"><strong>Your clicks are recorded</strong> in the reduced form described below.</p>';
  const form =
    page === 'opt-out'
      ? optedOut
        ? `<p>To be recorded as before, go to <a href="/privacy/opt-in">${esc(w.inTitle.toLowerCase())}</a>.</p>`
        : `<form method="post" action="/privacy/opt-out"><button type="submit">${esc(w.outButton)}</button></form>`
      : optedOut
        ? `<form method="post" action="/privacy/opt-in"><button type="submit" class="secondary">${esc(w.inButton)}</button></form>`
        : `<p>You have not opted out. To opt out, go to <a href="/privacy/opt-out">${esc(w.outTitle.toLowerCase())}</a>.</p>`;
  const title = page === 'opt-out' ? w.outTitle : w.inTitle;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(title)}</title><style>${STYLE}</style></head><body><main>` +
    `<h1>${esc(title)}</h1>${state}${form}` +
    `<h2>Who runs this service</h2>${contactHtml(n)}` +
    `<h2>How opting out works</h2><p>${esc(n.opt_out.text)}</p><p><strong>Cookies:</strong> ${esc(n.cookies)}</p>` +
    `<h2>Do Not Track and Global Privacy Control</h2><p>${esc(n.do_not_track.text)}</p>` +
    `<h2>What is recorded when you follow a tracked link</h2><table><thead><tr><th>Field</th><th>Stored</th><th>In what form</th></tr></thead><tbody>${fieldRows(n)}</tbody></table>` +
    `<h2>Automated visitors</h2><p>${esc(n.bots)}</p><p>${esc(n.scanners)}</p><p>${esc(n.prefetch)}</p>` +
    `<h2>Country</h2><p>${esc(n.country)}</p>` +
    `<h2>How long, and where it goes</h2><ul>${n.retention.text.map((t) => `<li>${esc(t)}</li>`).join('')}</ul><p>${esc(n.recipients.text)}</p>` +
    `</main><footer>Generated from the configuration in force.</footer></body></html>`
  );
}

/** The four variants, rendered now. */
export function optOutPages(notice: PrivacyNotice): OptOutPages {
  return {
    'opt-out': [render(notice, 'opt-out', false), render(notice, 'opt-out', true)],
    'opt-in': [render(notice, 'opt-in', false), render(notice, 'opt-in', true)],
  };
}
