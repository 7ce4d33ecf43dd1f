/** The registry decides which adapter serves the mirror's ports; the mirror never does. */
import { describe, expect, it } from 'vitest';
import { LINK_SOURCES } from '../../../src/adapters/registry.js';
import { resolveKinds } from '../../../src/config/settings.js';
import { ApiKey } from '../../../src/main-system/http/api-key.js';

const cfg = (over: Partial<{ base_url: string; database_url: string; database_password_file: string }> = {}) => ({
  main_system: { base_url: '', api_key_file: '', timeout_ms: 2_000, database_url: '', database_password_file: '', ...over },
  sync: { page_size: 100, file: '', miss_timeout_ms: 1_000 },
});
const links = (c: ReturnType<typeof cfg>) => LINK_SOURCES[resolveKinds(c.main_system).linkSource];

describe('the link ports chosen from main_system.*', () => {
  it('standalone: no source and no lookup from the main system', () => {
    const c = cfg();
    expect(links(c).mainSystem).toBe(false);
    expect(links(c).source(c)).toBeNull(); // no sync.file either
    expect(links(c).lookup(c)).toBeNull();
  });

  it('HTTP: named by the base URL without credentials; the key is read per sync and goes to the thread only inside the spec', () => {
    const c = cfg({ base_url: 'https://user:pw@jobs.example/api?token=t' });
    const src = links(c).source(c, { env: {} })!;
    expect(src.id).toBe('https://jobs.example/api');
    expect(() => src.spec()).toThrow(expect.objectContaining({ code: 'CR_ERR_MAIN_NO_API_KEY' }));
    const k = cfg({ base_url: 'https://jobs.example' });
    const keyed = links(k).source(k, { apiKey: new ApiKey('sk_ports_test_key', 't') })!;
    const spec = keyed.spec();
    expect(spec.secret).toBe('sk_ports_test_key');
    expect(spec.settings).toMatchObject({ kind: 'http', pageSize: 100 });
    expect(spec.module).toMatch(/main-system\/link-source\.(ts|js)$/);
  });

  it('HTTP lookup without a key fails at once, naming where it looked', () => {
    const c = cfg({ base_url: 'https://jobs.example' });
    expect(() => links(c).lookup(c, { env: {} })).toThrow(/api_key_file/);
    expect(() => links(c).credentials(c, {})).toThrow(/api_key_file/);
  });

  it('PostgreSQL: named by the database URL without its password', () => {
    const c = { ...cfg({ database_url: 'postgres://reader:hunter22@db.example:5432/jobs' }), sync: { page_size: 500, file: '', miss_timeout_ms: 1_000 } };
    const src = links(c).source(c, { env: {} })!;
    expect(src.id).toBe('postgres://reader@db.example:5432/jobs');
    expect(src.spec().settings).toMatchObject({ kind: 'postgres', pageSize: 500 });
  });
});
