/**
 * Notices a mirror.db replaced by another process (`clickrelay sync` while `serve` runs).
 *
 * The swap is a rename into the data directory, so fs.watch on the directory sees it
 * at once; fs.watch is best-effort (network filesystems, some containers), so the
 * scheduler's tick also compares (Mirror.checkReplaced). Either way the test is the file's identity
 * (device + inode): a swap always changes it, nothing else does.
 */
import { watch, type FSWatcher } from 'node:fs';
import { MIRROR_DB } from './schema.js';
import { fileIdentity, mirrorPath } from './mirror-path.js';

/** True when the file at mirror.db exists and is not the one with identity `served`. */
export function isReplaced(dataDir: string, served: string | null): boolean {
  const now = fileIdentity(mirrorPath(dataDir));
  return now !== null && now !== served;
}

export interface MirrorWatcherOptions {
  dataDir: string;
  /** Identity of the file the index was loaded from / last swapped in. */
  identity: () => string | null;
  /** Called when the file at mirror.db is not the one we serve from. */
  onReplaced: () => void;
}

/** A rename can come as several events; one check after they settle is enough. */
const DEBOUNCE_MS = 50;

export class MirrorWatcher {
  readonly #o: MirrorWatcherOptions;
  #fsw: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(opts: MirrorWatcherOptions) {
    this.#o = opts;
    try {
      this.#fsw = watch(opts.dataDir, { persistent: false }, (_ev, name) => {
        if (name === null || name === MIRROR_DB) this.#soon();
      });
      this.#fsw.on('error', () => {
        this.#fsw?.close();
        this.#fsw = null; // the tick check carries on alone
      });
    } catch {
      this.#fsw = null;
    }
  }

  #soon(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (isReplaced(this.#o.dataDir, this.#o.identity())) this.#o.onReplaced();
    }, DEBOUNCE_MS);
    this.#timer.unref();
  }

  close(): void {
    this.#fsw?.close();
    this.#fsw = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
