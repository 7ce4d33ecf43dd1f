/**
 * Lets the mirror thread yield the CPU to the thread that answers redirects.
 *
 * A full sync of a million links is seconds of CPU in the mirror thread. On a small VPS
 * (two cores, shared with the outbox writer and the TLS proxy) it then competes with the
 * redirects as an equal, and the redirects' tail latency multiplies while it runs (README,
 * "Benchmarks"). Linux keeps a nice value per thread and setpriority() accepts a thread id, so this
 * thread alone is made nicer; the redirects keep priority and the sync just takes longer
 * when the machine is busy.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Nice value of the mirror thread: ~10× less CPU than a nice-0 thread when both want it. */
export const MIRROR_THREAD_NICE = 10;

/** This thread's id: /proc/thread-self -> "<pid>/task/<tid>" (Linux 3.17+). */
function threadId(): number {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (!Number.isInteger(tid) || tid <= 0) throw new Error('no thread id in /proc/thread-self');
  return tid;
}

/** Sets this thread's nice value; false where it cannot be (not Linux, or setpriority denied). */
export function niceThisThread(nice: number): boolean {
  try {
    setPriority(threadId(), nice);
    return true;
  } catch {
    return false;
  }
}

/**
 * Null when this process may set a thread's nice value, else why not. Probed by setting
 * the calling thread's to what it already is: a seccomp filter (e.g. a systemd unit that
 * denies @resources) refuses the call whatever the value, and the mirror thread would then
 * fail silently.
 */
export function threadPriorityUnavailable(): string | null {
  try {
    const tid = threadId();
    setPriority(tid, getPriority(tid));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
