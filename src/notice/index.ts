/**
 * notice/ — what the service tells people about itself: the privacy notice built from the
 * configuration (`clickrelay privacy-notice`, `/privacy`), the opt-out pages, and the list of
 * settings weakened below the privacy defaults (shown by status, audit and the notice).
 *
 *   privacy-notice.ts     the notice as data; privacy-notice-md.ts renders it as Markdown
 *   opt-out-page.ts       the opt-out / opt-in pages
 *   weakened.ts           which settings are weaker than the defaults, and how to say so
 */
export { buildPrivacyNotice } from './privacy-notice.js';
export { renderPrivacyNoticeMarkdown } from './privacy-notice-md.js';
export { describeWeakened, weakenedSettings, type WeakenedSetting } from './weakened.js';
export { optOutPages } from './opt-out-page.js';
