/**
 * The integration guide's three JSON error shapes ("Error Handling"), written once for both
 * listeners, so a client written to the guide reads the same keys wherever clickrelay answers
 * JSON. A `message` is always one of the fixed texts below, never an exception's text: those
 * carry file paths and SQLite internals an HTTP client has no business seeing (they go to the
 * log instead).
 */

/** 404 — `{"error","tracking_id","timestamp"}`. */
export const notFoundBody = (trackingId: string | null, error = 'Link not found or expired'): string =>
  JSON.stringify({ error, tracking_id: trackingId, timestamp: new Date().toISOString() });

/** 400 — `{"error","required_fields","timestamp"}`; `required_fields` lists what the route needs. */
export const invalidRequestBody = (error: string, requiredFields: readonly string[]): string =>
  JSON.stringify({ error, required_fields: requiredFields, timestamp: new Date().toISOString() });

/** 500 — `{"error","message","timestamp"}`. */
export const serverErrorBody = (message: string): string =>
  JSON.stringify({ error: 'Internal server error', message, timestamp: new Date().toISOString() });

/**
 * 401 of the admin listener's POST routes: no shape in the guide, so the 500's keys
 * (`{"error","message","timestamp"}`), which a client written to the guide already reads.
 */
export const unauthorizedBody = (): string =>
  JSON.stringify({ error: 'Unauthorized', message: 'This route changes state and needs Authorization: Bearer <token> (the control token in <data_dir>/admin-control.token, or admin.token_file\'s)', timestamp: new Date().toISOString() });

/** 503 of a route whose stage is not there (no shipper standalone) or is stopping: the 500's keys, a fixed message. */
export const unavailableBody = (message: string): string => JSON.stringify({ error: 'Service unavailable', message, timestamp: new Date().toISOString() });

/** The one field both routes take, and the two ways a request can get it wrong. */
export const TRACKING_ID_REQUIRED = ['tracking_id'] as const;
export const MISSING_TRACKING_ID = 'Missing required field: tracking_id';
export const INVALID_TRACKING_ID = 'Invalid field: tracking_id must be 1 to 100 characters from A-Z, a-z, 0-9, _ and -';

/** Fixed 500 messages: what failed, in words an integrator can act on, without internals. */
export const SERVER_MESSAGES = {
  mirror: 'Link mirror could not be read',
  outbox: 'Click outbox could not be read',
  unexpected: 'Unexpected server fault; the service log has the details',
} as const;
export type ServerMessageKind = keyof typeof SERVER_MESSAGES;
