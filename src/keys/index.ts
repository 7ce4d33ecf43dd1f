/**
 * keys/ — the daily session keys behind session_id: creation, 48 h deletion and the
 * 0600 key file. Kept apart from src/privacy/ because it does I/O.
 */
export { MAX_KEY_AGE_HOURS, SESSION_KEYS_FILE, SessionKeyStore } from './session-key-store.js';
export { answerKeyQuestion, keyAnswerBuffer, SharedSessionKeys, type KeyQuestion } from './shared-session-keys.js';
