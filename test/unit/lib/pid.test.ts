/** The one pid-alive check (runtime file, mirror builder's temp files). */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pidAlive, pidAliveSince } from '../../../src/lib/pid.js';

describe('pidAlive', () => {
  it('is true for a running process, also one this user may not signal, and false for one that exited', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(1)).toBe(true); // init: EPERM for a non-root user, alive either way
    const done = spawnSync(process.execPath, ['-e', '']);
    expect(pidAlive(done.pid!)).toBe(false);
  });
});


describe('pidAliveSince', () => {
  it('takes a live process that started before the file was written for its writer', () => {
    expect(pidAliveSince(process.pid, Date.now())).toBe(true);
    expect(pidAliveSince(1, Date.now())).toBe(true); // init: started long before
  });

  it('refuses a live process that started after the file was written (a reused pid)', () => {
    // This process started well after a file written an hour ago: it cannot be that file's writer.
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAliveSince(process.pid, Date.now() - 3_600_000)).toBe(false);
  });

  it('refuses a pid that is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    expect(pidAliveSince(Number(gone.stdout), Date.now())).toBe(false);
  });
});
