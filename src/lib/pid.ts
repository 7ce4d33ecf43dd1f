/**
 * Is a process still there? One check for the runtime file (a serve that died leaves its
 * file behind) and the mirror builder's temp files (whose name carries their writer's pid).
 */
import { readFileSync } from 'node:fs';

/** True when `pid` names a live process, including one this user may not signal (EPERM). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when `pid` is alive and is the process that wrote a file at `wroteAt` (ms since the
 * epoch): a process started after that moment is another one that reused the pid of a crashed
 * writer, and must not be taken for it (the CLI would send it requests meant for a serve).
 * Linux's /proc gives the start time; where it cannot be read, liveness alone decides.
 */
export function pidAliveSince(pid: number, wroteAt: number): boolean {
  if (!pidAlive(pid)) return false;
  const started = processStartMs(pid);
  // One second of slack: /proc counts in clock ticks and boot time in whole seconds.
  return started === null || !Number.isFinite(wroteAt) || started <= wroteAt + 1000;
}

/** When `pid` started (ms since the epoch), from /proc; null where /proc cannot say. */
function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime, in USER_HZ = 100 ticks a second); the name (field 2) may hold spaces, so count after its ')'.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(ticks) && Number.isFinite(btime) ? btime * 1000 + ticks * 10 : null;
  } catch {
    return null;
  }
}
