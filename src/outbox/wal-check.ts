/**
 * Reads outbox.db-wal the way SQLite's recovery does, to find what recovery would silently
 * throw away. SQLite replays WAL frames only up to the first one whose salts or cumulative
 * checksum do not match, and drops everything after it without a word: one flipped byte in
 * an early frame loses every transaction committed after it (https://www.sqlite.org/fileformat.html,
 * "Checksum Algorithm", "WAL Recovery"). This scan runs BEFORE any connection opens the
 * database, because the first write after recovery overwrites the evidence.
 *
 * Damage is told apart from an ordinary crash by what follows the bad frame: a crash only
 * leaves a torn tail (nothing valid after it), while intact commit frames of the same WAL
 * generation (same salts) after a bad frame are transactions that had committed. Every
 * frame's checksum is seeded by the one stored in its predecessor, so frames after the
 * break can still be verified one by one.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const WAL_HEADER_BYTES = 32;
export const WAL_FRAME_HEADER_BYTES = 24;

export interface WalDamage {
  /** 0-based index of the first frame recovery stops at */
  frame: number;
  /** frames in the file (whole ones) */
  frames: number;
  /** intact commit frames after the break: transactions recovery would drop */
  droppedCommits: number;
  /** what is wrong with the first bad frame */
  reason: string;
}

/** null when the WAL is absent, empty, never initialised, or ends in at most a torn tail. */
export function checkWal(walPath: string): WalDamage | null {
  let fd: number;
  try {
    fd = openSync(walPath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return scan(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

function scan(fd: number, size: number): WalDamage | null {
  if (size < WAL_HEADER_BYTES) return null;
  const header = Buffer.alloc(WAL_HEADER_BYTES);
  readSync(fd, header, 0, WAL_HEADER_BYTES, 0);
  const magic = header.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return null; // not initialised: SQLite ignores the file too
  const bigEndian = (magic & 1) === 1;
  const pageSize = header.readUInt32BE(8) === 1 ? 65536 : header.readUInt32BE(8);
  const salt1 = header.readUInt32BE(16);
  const salt2 = header.readUInt32BE(20);
  let [s1, s2] = checksum(header, 0, 24, 0, 0, bigEndian);
  // A bad header checksum makes SQLite ignore the whole WAL; after a crash that can only
  // be a torn header of a brand-new generation, with no frames of its own behind it.
  const headerOk = s1 === header.readUInt32BE(24) && s2 === header.readUInt32BE(28);

  const frameBytes = WAL_FRAME_HEADER_BYTES + pageSize;
  const frames = Math.floor((size - WAL_HEADER_BYTES) / frameBytes);
  const buf = Buffer.alloc(frameBytes);
  let broken: { frame: number; reason: string } | null = headerOk ? null : { frame: 0, reason: 'the WAL header checksum does not match' };
  let dropped = 0;
  // The previous frame's stored checksum: what the next frame is verified against.
  let prevStored: [number, number] = [header.readUInt32BE(24), header.readUInt32BE(28)];
  for (let i = 0; i < frames; i++) {
    readSync(fd, buf, 0, frameBytes, WAL_HEADER_BYTES + i * frameBytes);
    const saltsMatch = buf.readUInt32BE(8) === salt1 && buf.readUInt32BE(12) === salt2;
    const stored: [number, number] = [buf.readUInt32BE(16), buf.readUInt32BE(20)];
    const commit = buf.readUInt32BE(4) !== 0;
    if (broken === null) {
      [s1, s2] = checksum(buf, 0, 8, s1, s2, bigEndian);
      [s1, s2] = checksum(buf, WAL_FRAME_HEADER_BYTES, frameBytes, s1, s2, bigEndian);
      if (!saltsMatch || s1 !== stored[0] || s2 !== stored[1]) {
        broken = { frame: i, reason: saltsMatch ? 'its checksum does not match its contents' : 'its salts are not those of the WAL header' };
      }
    } else if (saltsMatch && commit) {
      let [v1, v2] = checksum(buf, 0, 8, prevStored[0], prevStored[1], bigEndian);
      [v1, v2] = checksum(buf, WAL_FRAME_HEADER_BYTES, frameBytes, v1, v2, bigEndian);
      if (v1 === stored[0] && v2 === stored[1]) dropped++;
    }
    prevStored = stored;
  }
  // Without a later intact commit frame this is the torn tail of a transaction that never
  // committed (a crash mid-write): nothing acknowledged is lost, SQLite is right to drop it.
  if (broken === null || dropped === 0) return null;
  return { frame: broken.frame, frames, droppedCommits: dropped, reason: broken.reason };
}

/** SQLite's WAL checksum: 32-bit word pairs, Fibonacci-weighted, in the byte order the magic names. */
function checksum(b: Buffer, from: number, to: number, s1: number, s2: number, bigEndian: boolean): [number, number] {
  for (let i = from; i < to; i += 8) {
    const x0 = bigEndian ? b.readUInt32BE(i) : b.readUInt32LE(i);
    const x1 = bigEndian ? b.readUInt32BE(i + 4) : b.readUInt32LE(i + 4);
    s1 = (s1 + x0 + s2) >>> 0;
    s2 = (s2 + x1 + s1) >>> 0;
  }
  return [s1, s2];
}
