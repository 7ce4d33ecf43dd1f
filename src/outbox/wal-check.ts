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
  /** database pages whose newest committed version is only in the dropped frames */
  pagesLost: number;
  /** what is wrong with the first bad frame */
  reason: string;
}

/**
 * null when the WAL is absent, empty, never initialised, ends in at most a torn tail, or
 * when everything after the break had already been checkpointed into the database (an idle
 * WAL is kept, fully copied, until the next write starts it over: dropping it loses nothing).
 * `walPath` is `<db>-wal`; the database file beside it is read for that comparison.
 */
export function checkWal(walPath: string): WalDamage | null {
  let fd: number;
  try {
    fd = openSync(walPath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return scan(fd, fstatSync(fd).size, walPath.replace(/-wal$/, ''));
  } finally {
    closeSync(fd);
  }
}

function scan(fd: number, size: number, dbPath: string): WalDamage | null {
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
  // After the break: per page, its frames (index, or -1 when the frame fails its own check),
  // and the last intact commit frame; what those transactions left is compared with the database.
  const framesOfPage = new Map<number, { i: number; intact: boolean }[]>();
  let lastCommit = -1;
  // Before the break: per page, its frames, and the last commit recovery replays up to.
  const prefixFrames = new Map<number, number[]>();
  let prefixCommit = -1;
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
      } else {
        const page = buf.readUInt32BE(0);
        let list = prefixFrames.get(page);
        if (!list) prefixFrames.set(page, (list = []));
        list.push(i);
        if (commit) prefixCommit = i;
      }
    }
    if (broken !== null && saltsMatch) {
      let [v1, v2] = checksum(buf, 0, 8, prevStored[0], prevStored[1], bigEndian);
      [v1, v2] = checksum(buf, WAL_FRAME_HEADER_BYTES, frameBytes, v1, v2, bigEndian);
      const intact = v1 === stored[0] && v2 === stored[1] && i !== broken.frame;
      const page = buf.readUInt32BE(0);
      let list = framesOfPage.get(page);
      if (!list) framesOfPage.set(page, (list = []));
      list.push({ i, intact });
      if (intact && commit) {
        dropped++;
        lastCommit = i;
      }
    }
    prevStored = stored;
  }
  // Without a later intact commit frame this is the torn tail of a transaction that never
  // committed (a crash mid-write): nothing acknowledged is lost, SQLite is right to drop it.
  if (broken === null || dropped === 0) return null;
  const replayed = new Map<number, number>();
  for (const [page, list] of prefixFrames) {
    const upTo = list.filter((f) => f <= prefixCommit);
    if (upTo.length > 0) replayed.set(page, upTo[upTo.length - 1]!);
  }
  const pagesLost = pagesNotInDatabase(fd, dbPath, framesOfPage, lastCommit, replayed, pageSize, frameBytes);
  if (pagesLost === 0) return null;
  return { frame: broken.frame, frames, droppedCommits: dropped, pagesLost, reason: broken.reason };
}

/**
 * Pages whose newest committed version (up to `lastCommit`) differs from what a reader sees
 * after recovery — the page's last replayed frame before the break if it has one (it shadows
 * the file, even where a checkpoint had already copied a newer version into it), else the
 * database file's copy — or cannot be known (its frame is damaged too): what recovery loses.
 */
function pagesNotInDatabase(
  walFd: number,
  dbPath: string,
  framesOfPage: Map<number, { i: number; intact: boolean }[]>,
  lastCommit: number,
  replayed: Map<number, number>,
  pageSize: number,
  frameBytes: number,
): number {
  let dbFd: number | null = null;
  try {
    dbFd = openSync(dbPath, 'r');
  } catch {
    dbFd = null; // no database file: every page is only in the WAL
  }
  const fromWal = Buffer.alloc(pageSize);
  const fromDb = Buffer.alloc(pageSize);
  let lost = 0;
  try {
    for (const [page, list] of framesOfPage) {
      const committed = list.filter((f) => f.i <= lastCommit);
      const newest = committed[committed.length - 1];
      if (!newest) continue;
      if (!newest.intact || (dbFd === null && !replayed.has(page))) {
        lost++;
        continue;
      }
      readSync(walFd, fromWal, 0, pageSize, WAL_HEADER_BYTES + newest.i * frameBytes + WAL_FRAME_HEADER_BYTES);
      const shadow = replayed.get(page);
      const got =
        shadow === undefined
          ? readSync(dbFd!, fromDb, 0, pageSize, (page - 1) * pageSize) // not null: checked above
          : readSync(walFd, fromDb, 0, pageSize, WAL_HEADER_BYTES + shadow * frameBytes + WAL_FRAME_HEADER_BYTES);
      if (got !== pageSize || !fromWal.equals(fromDb)) lost++;
    }
  } finally {
    if (dbFd !== null) closeSync(dbFd);
  }
  return lost;
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
