/**
 * sync.schedule is checked once, when the configuration is read (the mirror's own check was
 * never reached from it and is gone, with CR_ERR_MIRROR_SCHEDULE).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { ClickrelayError } from '../../../src/errors.js';

const cwd = mkdtempSync(join(tmpdir(), 'cr-schedule-'));
const load = (schedule: string) => loadConfig({ env: { CLICKRELAY_SYNC_SCHEDULE: schedule }, cwd });

describe('sync.schedule', () => {
  it('accepts 5-field and 6-field (seconds first) cron expressions', () => {
    for (const e of ['*/5 * * * *', '0 3 * * 1-5', '*/10 * * * * *', '0 */15 * * * *']) expect(load(e).sync.schedule).toBe(e);
  });

  it('rejects a bad expression with one line naming the key, the value and what is allowed', () => {
    for (const e of ['', '* * * *', '* * * * * * *', '61 * * * *', 'every five minutes', '*/0 * * * *']) {
      let err: unknown;
      try {
        load(e);
      } catch (x) {
        err = x;
      }
      expect(err, e).toBeInstanceOf(ClickrelayError);
      expect((err as ClickrelayError).code).toBe('CR_ERR_CONFIG_INVALID');
      expect((err as Error).message).toContain(`sync.schedule = ${JSON.stringify(e)}`);
      expect((err as Error).message).toMatch(/5 fields, or 6 with seconds first/);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});
