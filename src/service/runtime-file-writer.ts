/**
 * Keeps `<data_dir>/serve.json` (runtime-file.ts) in step with the running service: written
 * once listening, rewritten when the shipper's state changes, removed on stop.
 */
import type { Logger } from '../observe/logger.js';
import { removeRuntimeFile, writeRuntimeFile, type RuntimeInfo } from './runtime-file.js';
import type { ShippingSnapshot } from '../shipper/index.js';

/** serve.json is rewritten with the shipper's state at most this often. */
const RUNTIME_WRITE_INTERVAL_MS = 1_000;

export class RuntimeFileWriter {
  // serve.json is written once listening; until then the shipper's state only lives in ShippingState.
  #info: RuntimeInfo | null = null;
  #timer: NodeJS.Timeout | null = null;
  #writtenAt = 0;

  constructor(
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {}

  /** The service listens: write the file now. */
  start(info: RuntimeInfo): void {
    this.#info = info;
    this.#write();
  }

  /**
   * A fast retry loop must not rewrite the file on the redirect thread many times a second:
   * at most once a second, the latest state last.
   */
  noteShipping(snapshot: ShippingSnapshot): void {
    if (!this.#info) return;
    this.#info = { ...this.#info, shipping: snapshot };
    if (this.#timer) return;
    const wait = this.#writtenAt + RUNTIME_WRITE_INTERVAL_MS - Date.now();
    if (wait <= 0) this.#flush();
    else this.#timer = setTimeout(() => this.#flush(), wait);
  }

  /** Clean stop: no running serve to describe any more. */
  remove(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#info = null;
    removeRuntimeFile(this.dataDir);
  }

  #flush(): void {
    this.#timer = null;
    this.#writtenAt = Date.now();
    this.#write();
  }

  /** serve.json only tells `status` which build runs: a full disk must not stop the service for it. */
  #write(): void {
    if (!this.#info) return;
    try {
      writeRuntimeFile(this.dataDir, this.#info);
    } catch (err) {
      this.log.warn({ event: 'runtime_file_unwritten' }, `${this.dataDir}/serve.json could not be written (status will not see this serve): ${(err as Error).message}`);
    }
  }
}
