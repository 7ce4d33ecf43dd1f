/**
 * One daily session key for every serving thread (server.threads > 1): the same visitor gets
 * the same session_id whichever thread answers. The key is minted and persisted in one place,
 * the main thread's SessionKeyStore; a serving thread asks it once per UTC day.
 *
 * keyFor must answer synchronously (the click path has no callback), so the asking thread posts
 * the day and waits on a small SharedArrayBuffer of its own (Atomics.wait) until the main thread
 * has written the key there: a pause of well under a millisecond, once a day per thread. Every
 * other click is one string comparison, as in SessionKeyStore.
 */
import type { SessionKeyStore } from './session-key-store.js';

const KEY_BYTES = 32;
/** Longest a serving thread waits for the main thread's answer before failing the click (a 500). */
const ANSWER_TIMEOUT_MS = 5_000;

/** What the main thread and one serving thread share: [0] the number of the last answer, then the key. */
export function keyAnswerBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(8 + KEY_BYTES);
}

/** A serving thread's question: answer number `seq` is the key of `day`. */
export interface KeyQuestion {
  day: string;
  seq: number;
}

/** The main thread's side: answers a question into the asking thread's buffer. */
export function answerKeyQuestion(store: Pick<SessionKeyStore, 'keyFor'>, buffer: SharedArrayBuffer, q: KeyQuestion): void {
  const seqs = new Int32Array(buffer, 0, 1);
  new Uint8Array(buffer, 8, KEY_BYTES).set(store.keyFor(q.day));
  Atomics.store(seqs, 0, q.seq);
  Atomics.notify(seqs, 0);
}

/** A serving thread's keys: SessionKeyStore.keyFor's contract, the key made by the main thread. */
export class SharedSessionKeys {
  readonly #seqs: Int32Array;
  readonly #key: Uint8Array;
  #seq = 0;
  #day = '';
  #current: Buffer = Buffer.alloc(0);

  constructor(
    buffer: SharedArrayBuffer,
    private readonly ask: (q: KeyQuestion) => void,
  ) {
    this.#seqs = new Int32Array(buffer, 0, 1);
    this.#key = new Uint8Array(buffer, 8, KEY_BYTES);
  }

  keyFor(day: string): Buffer {
    if (day === this.#day) return this.#current;
    const seq = ++this.#seq;
    this.ask({ day, seq });
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    for (let seen = Atomics.load(this.#seqs, 0); seen !== seq; seen = Atomics.load(this.#seqs, 0)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the main thread did not hand over the session key of ${day} within ${ANSWER_TIMEOUT_MS} ms`);
      Atomics.wait(this.#seqs, 0, seen, left);
    }
    const key = Buffer.from(this.#key); // a copy: the buffer is rewritten by the next answer
    // Like SessionKeyStore: only the newest day is kept; a click queued across midnight asks again.
    if (day >= this.#day) {
      this.#day = day;
      this.#current = key;
    }
    return key;
  }
}
