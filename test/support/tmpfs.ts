/**
 * A small tmpfs mounted by the test, for a disk that is really full (ENOSPC from the kernel,
 * not a quota imitated inside SQLite). Needs root: elsewhere the tests skip with the reason,
 * except under CI (`CI=true`), where not being able to mount is a failure.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Writes a filler file until the kernel says ENOSPC. */
  fill(): void;
  /** Deletes the filler: the disk has room again. */
  free(): void;
  unmount(): void;
}

/** The mounted tmpfs, or the reason it could not be mounted. */
export function mountTmpfs(sizeKb: number): Tmpfs | string {
  if (process.getuid?.() !== 0) return 'not root: mounting a tmpfs needs root (tests run as root in the project container)';
  const dir = mkdtempSync(join(tmpdir(), 'cr-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return `mount -t tmpfs failed: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}`;
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      const block = Buffer.alloc(64 * 1024);
      try {
        for (;;) writeSync(fd, block);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
      // Smaller pieces: leave no partial block behind.
      const small = openSync(filler, 'a');
      try {
        for (;;) writeSync(small, Buffer.alloc(512));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(small);
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** For describe.skipIf: true (with a warning) when there is no tmpfs; throws under CI=true. */
export function skipWithoutTmpfs(t: Tmpfs | string): t is string {
  if (typeof t !== 'string') return false;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${t}`);
  console.warn(`skipped: ${t}`);
  return true;
}
