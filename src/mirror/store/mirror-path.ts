/**
 * Where mirror.db is, and which file it is. Files are told apart by identity (device +
 * inode), not mtime: a swap always brings a new inode, an in-place upsert never does. The
 * serving process keeps the file it loaded open (MirrorWriter.pin), so that inode cannot be
 * freed and reused by a later swap: "same identity" really means "same file".
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { MIRROR_DB } from './schema.js';

export function mirrorPath(dataDir: string): string {
  return join(dataDir, MIRROR_DB);
}

/** `dev:ino` of the file at `path`, or null when there is none. */
export function fileIdentity(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}
