import { getPriority } from 'node:os';
import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { threadPriorityUnavailable } from '../../../src/mirror/build/thread-priority.js';

const tid = (): number => Number(readlinkSync('/proc/thread-self').split('/').pop());

describe('the thread-priority probe', () => {
  it.runIf(process.platform === 'linux')('finds setpriority allowed here, and leaves the calling thread as nice as it was', () => {
    const before = getPriority(tid());
    expect(threadPriorityUnavailable()).toBeNull();
    expect(getPriority(tid())).toBe(before);
  });
});
