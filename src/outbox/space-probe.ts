/**
 * Whether the data folder has room for new data now: writes PROBE_BYTES to a scratch file
 * beside outbox.db, syncs it and deletes it. Readiness in fail-closed mode asks this after a
 * failed commit (writer-rounds.ts, Outbox.probe): rewriting a row alone proved nothing, because
 * SQLite can still commit a small change into WAL space its files already hold while every
 * click transaction, which needs new pages, fails (#26: /readyz said ready on a full disk).
 * PROBE_BYTES is more than a round of clicks usually adds to the WAL, so a disk that passes has
 * room for the next clicks; a passing probe is still only a forecast, and the next failed
 * commit makes readiness false again.
 */
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

export const PROBE_BYTES = 256 * 1024;
const CHUNK = Buffer.alloc(64 * 1024);

/** Throws (ENOSPC, EROFS, EACCES…) when the room is not there; leaves no file behind either way. */
export function probeSpace(dataDir: string): void {
  const path = join(dataDir, `.space-probe-${process.pid}-${threadId}`);
  const fd = openSync(path, 'w', 0o600);
  try {
    for (let written = 0; written < PROBE_BYTES; ) written += writeSync(fd, CHUNK, 0, Math.min(CHUNK.length, PROBE_BYTES - written));
    // tmpfs and most file systems allocate on write, but a delayed-allocation one only on sync.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
}
