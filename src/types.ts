/**
 * The two data types that cross stage boundaries. Defined once, here:
 * a link flows mirror → redirect, a click flows privacy → outbox → shipper.
 */

/** What a tracking id may look like (contract): checked by the redirect before anything else, and by the mirror on every synced row. */
export const TRACKING_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/** One tracked link, as the main system describes it (integration guide, "Essential Link Data Structure"). */
export interface LinkInfo {
  tracking_id: string;
  original_url: string;
  is_active: boolean;
  link_function?: string | null;
  link_type?: string | null;
  job_id?: string | null;
  application_id?: string | null;
  description?: string | null;
  created_at?: string | null;
}

/** The guide's click-source categories. */
export const CLICK_SOURCES = ['email', 'dashboard', 'linkedin', 'indeed', 'direct', 'external'] as const;
export type ClickSource = (typeof CLICK_SOURCES)[number];

/** The only query parameters ever kept: the five standard UTM keys. */
export const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
export type UtmKey = (typeof UTM_KEYS)[number];

/**
 * Everything `metadata` may hold: allow-listed UTM values, the bot flag (a crawler, isbot, or
 * no User-Agent), the security gateway that fetched the link (scanner) and the ISO 3166-1
 * alpha-2 country (privacy.country = "country"). Nothing else.
 */
export type ClickMetadata = Partial<Record<UtmKey, string>> & { bot?: boolean; scanner?: string; country?: string };

/**
 * One anonymized click, exactly as stored in the outbox and shipped to the main system
 * (the guide's `link_clicks` columns, plus `anonymous`). Personal fields are already
 * reduced by the privacy stage; nothing downstream may add to them.
 */
export interface ClickRecord {
  /** UUIDv7, made once at record time; the main system de-duplicates on it. */
  click_id: string;
  tracking_id: string;
  /** ISO 8601 UTC, millisecond precision. */
  clicked_at: string;
  /** Truncated to the configured prefix, or null (anonymous click). */
  ip_address: string | null;
  user_agent: string | null;
  referrer_url: string | null;
  session_id: string | null;
  click_source: ClickSource;
  metadata: ClickMetadata;
  /** True when DNT/GPC made this click anonymous (dnt_mode = "count"). */
  anonymous: boolean;
}

/**
 * A click as the outbox stores it and hands it to the shipper: `metadata` is the stored JSON
 * text (sorted keys, written once at record time), so it goes to the main system without
 * being parsed only to be serialised again.
 */
export type StoredClick = Omit<ClickRecord, 'metadata'> & { metadata: string };
/** outbox.durability: "durable" answers a redirect only after its click is fsynced; "fast" answers at once. */
export const DURABILITIES = ['durable', 'fast'] as const;
export type Durability = (typeof DURABILITIES)[number];
