/** main-system decides which adapter serves the mirror's ports; the mirror never does. */
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/main-system/http/api-key.js';
import { mainSystemLinkLookup } from '../../../src/main-system/link-lookup.js';
import { mainSystemLinkSource } from '../../../src/main-system/link-source.js';

const ms = (over: Partial<{ base_url: string; database_url: string; database_password_file: string }> = {}) => ({
  base_url: '', api_key_file: '', timeout_ms: 2_000, database_url: '', database_password_file: '', ...over,
});

describe('the link ports chosen from main_system.*', () => {
  it('standalone: no source and no lookup from the main system', () => {
    expect(mainSystemLinkSource(ms(), 100)).toBeNull();
    expect(mainSystemLinkLookup(ms(), 1_000)).toBeNull();
  });

  it('HTTP: named by the base URL without credentials; the key is read per sync and goes to the thread only inside the spec', () => {
    const src = mainSystemLinkSource(ms({ base_url: 'https://user:pw@jobs.example/api?token=t' }), 100, { env: {} })!;
    expect(src.id).toBe('https://jobs.example/api');
    expect(() => src.spec()).toThrow(expect.objectContaining({ code: 'CR_ERR_MIRROR_NO_API_KEY' }));
    const keyed = mainSystemLinkSource(ms({ base_url: 'https://jobs.example' }), 100, { apiKey: new ApiKey('sk_ports_test_key', 't') })!;
    const spec = keyed.spec();
    expect(spec.secret).toBe('sk_ports_test_key');
    expect(spec.settings).toMatchObject({ kind: 'http', pageSize: 100 });
    expect(spec.module).toMatch(/main-system\/link-source\.(ts|js)$/);
  });

  it('HTTP lookup without a key fails at once, naming where it looked', () => {
    expect(() => mainSystemLinkLookup(ms({ base_url: 'https://jobs.example' }), 1_000, { env: {} })).toThrow(/api_key_file/);
  });

  it('PostgreSQL: named by the database URL without its password', () => {
    const src = mainSystemLinkSource(ms({ database_url: 'postgres://reader:hunter22@db.example:5432/jobs' }), 500, { env: {} })!;
    expect(src.id).toBe('postgres://reader@db.example:5432/jobs');
    expect(src.spec().settings).toMatchObject({ kind: 'postgres', pageSize: 500 });
  });
});
