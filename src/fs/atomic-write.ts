/**
 * The one way a small file in the data folder is replaced: write a temp file beside it,
 * rename it over the old one. rename() is atomic on POSIX, so a reader (or a crash) sees
 * the old content or the new, never half of either.
 *
 * `durable` adds the two fsyncs that make the new content survive a power cut: the file's
 * before the rename (else the rename can reach the disk before the data, leaving an empty
 * file), and the folder's after it (else the rename itself can be lost). Files that are
 * rewritten constantly and may lag (outbox.head per commit) or are informational
 * (serve.json, mirror-sync.json) skip them; keys and the head written at close do not.
 *
 * Every file is 0600 whatever the umask: the data folder holds clicks and keys.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';
import { PRIVATE_FILE_MODE } from './data-dir.js';

export interface AtomicWriteOptions {
  /** fsync the file before the rename and its folder after. */
  durable: boolean;
}

export function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions): void {
  // Per process and thread: `sync` and `serve` may write the same sidecar at once.
  const tmp = `${path}.tmp-${process.pid}-${threadId}`;
  try {
    const fd = openSync(tmp, 'w', PRIVATE_FILE_MODE);
    try {
      // The open mode is filtered by the umask and ignored for a temp file left by a crash.
      fchmodSync(fd, PRIVATE_FILE_MODE);
      writeFileSync(fd, data);
      if (opts.durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw err;
  }
  if (opts.durable) fsyncPath(dirname(path));
}

/** fsync a file or a folder by path (a folder's fsync makes the renames in it durable). */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
