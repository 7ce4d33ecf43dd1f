/** The one pid-alive check (runtime file, mirror builder's temp files). */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pidAlive } from '../../../src/lib/pid.js';

describe('pidAlive', () => {
  it('is true for a running process, also one this user may not signal, and false for one that exited', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(1)).toBe(true); // init: EPERM for a non-root user, alive either way
    const done = spawnSync(process.execPath, ['-e', '']);
    expect(pidAlive(done.pid!)).toBe(false);
  });
});
