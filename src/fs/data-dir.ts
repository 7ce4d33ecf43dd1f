/**
 * The data folder (`storage.data_dir`) and the files in it are private to the service:
 * clicks, session keys and the mirror's links are nobody else's to read. Outside systemd
 * (whose StateDirectory= makes the folder itself) the umask would decide, and the usual
 * 022 makes everything world-readable; so modes are set explicitly, whatever the umask.
 */
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { ClickrelayError, describeCause } from '../errors.js';

const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** SQLite's companions of a database file; it creates them with the database file's mode. */
const SQLITE_COMPANIONS = ['-wal', '-shm', '-journal'];

/**
 * Creates the data folder (and missing parents) 0700 for every command that writes. A folder
 * that exists is left as its owner made it (systemd's StateDirectoryMode, an operator's
 * choice); the files in it are private either way.
 */
export function ensureDataDir(dir: string): void {
  try {
    const created = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    if (created !== undefined) chmodSync(dir, PRIVATE_DIR_MODE); // the mkdir mode went through the umask
  } catch (err) {
    throw new ClickrelayError('CR_ERR_DATA_DIR', `cannot create storage.data_dir ${dir}: ${describeCause(err)}`, { cause: err });
  }
}

/**
 * Before SQLite opens `path` for writing: creates it empty and 0600 if it is missing (SQLite
 * would make it 0644 minus the umask, and its -wal/-shm/-journal copy that mode), else makes
 * it and its companions 0600. Creating it here also turns SQLite's errno-less "unable to
 * open database file" into an error that says ENOENT, EACCES or EROFS.
 */
export function preparePrivateDatabase(path: string): void {
  const fd = openSync(path, 'a', PRIVATE_FILE_MODE);
  try {
    tighten(() => fchmodSync(fd, PRIVATE_FILE_MODE));
  } finally {
    closeSync(fd);
  }
  for (const suffix of SQLITE_COMPANIONS) tighten(() => chmodSync(path + suffix, PRIVATE_FILE_MODE));
}

/**
 * On files that may already exist (made by an older version, or by hand): a missing
 * companion is fine, and a file of another owner that we may write through its group
 * keeps its mode (EPERM) rather than failing the command.
 */
function tighten(chmod: () => void): void {
  try {
    chmod();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EPERM') throw err;
  }
}
