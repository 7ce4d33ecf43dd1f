/** A misspelled CLICKRELAY_* variable stops start-up like a misspelled file key, naming it and the closest key. */
import { describe, expect, it } from 'vitest';
import { configEnvNames, loadConfig } from '../../../src/config/load.js';

describe('CLICKRELAY_* environment names', () => {
  it('refuses an unknown name, suggesting the closest real one', () => {
    expect(() => loadConfig({ env: { CLICKRELAY_PRIVACY_IPV4_PREFX: '16' } })).toThrow(
      /environment variable CLICKRELAY_PRIVACY_IPV4_PREFX is not a configuration key \(did you mean CLICKRELAY_PRIVACY_IPV4_PREFIX\?\)/,
    );
    try {
      loadConfig({ env: { CLICKRELAY_SERVR_PORT: '9000' } });
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('CR_ERR_CONFIG_INVALID');
      expect((err as Error).message).toContain('CLICKRELAY_SERVR_PORT');
      expect((err as Error).message).toContain('did you mean CLICKRELAY_SERVER_PORT?');
    }
  });

  it('offers no suggestion when nothing is close', () => {
    expect(() => loadConfig({ env: { CLICKRELAY_WHATEVER: 'x' } })).toThrow(/CLICKRELAY_WHATEVER is not a configuration key: unset it/);
  });

  it('accepts every configuration key, the config path, the API key and the harness prefixes', () => {
    const env: Record<string, string> = { CLICKRELAY_CONFIG: '', CLICKRELAY_MAIN_SYSTEM_API_KEY: 'k', CLICKRELAY_FUZZ_RUNS: '5', CLICKRELAY_BENCH_RUSAGE: '1' };
    expect(() => loadConfig({ env })).not.toThrow();
    expect(configEnvNames()).toContain('CLICKRELAY_PRIVACY_IPV4_PREFIX');
    expect(configEnvNames()).toContain('CLICKRELAY_SHIPPER_MAX_BACKOFF_MS');
    // Other prefixes are not touched.
    expect(() => loadConfig({ env: { CLICKRELAYX: '1', NODE_ENV: 'x' } })).not.toThrow();
  });
});
