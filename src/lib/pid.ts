/**
 * Is a process still there? One check for the runtime file (a serve that died leaves its
 * file behind) and the mirror builder's temp files (whose name carries their writer's pid).
 */

/** True when `pid` names a live process, including one this user may not signal (EPERM). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
