/**
 * The command line itself, on the built CLI: --version, help that fits 80 columns, coded
 * one-line start-up errors (TLS on a build without it, a low port without the capability),
 * dead-letters purge needing --id or --all, progress bars only on a terminal, pretty logs
 * only on a terminal.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadUws } from '../../../src/http/uws.js';
import { mixedClicks, sqlite, tempDataDir, writeOutbox } from '../../unit/audit/helpers.js';
import { findProgram, skipUnless } from '../../support/requires.js';
import { freePort } from '../../support/child-service.js';
import { cli, dataDirEnv } from '../audit/cli.js';
import { onTty, scriptProgram } from './tty.js';

const COMMANDS = ['serve', 'sync', 'ship', 'status', 'dead-letters', 'audit', 'export', 'privacy-notice'];
const pkg = JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as { version: string };

describe('clickrelay --version and --help', () => {
  it('prints the package version', async () => {
    const r = await cli(['--version'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`clickrelay ${pkg.version}\n`);
  });

  it('fits every help text in 80 columns', async () => {
    for (const args of [['--help'], ...COMMANDS.map((c) => [c, '--help'])]) {
      const r = await cli(args, {});
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout.length, args.join(' ')).toBeGreaterThan(20);
      const long = r.stdout.split('\n').filter((l) => [...l].length > 80);
      expect(long, args.join(' ')).toEqual([]);
    }
  }, 120_000);
});

describe('start-up errors are one line with a code', () => {
  const build = loadUws({ allowJsFallback: false }).build;

  it.skipIf(build.tls)('TLS asked of a build without TLS: CR_ERR_TLS_UNAVAILABLE, no stack trace', async () => {
    const dir = tempDataDir();
    const r = await cli(['serve'], dataDirEnv(dir, { CLICKRELAY_SERVER_PORT: '0', CLICKRELAY_ADMIN_PORT: '0', CLICKRELAY_SERVER_TLS_CERT_FILE: join(dir, 'cert.pem'), CLICKRELAY_SERVER_TLS_KEY_FILE: join(dir, 'key.pem') }));
    // A configuration mistake found after loading (issue #13): exit 2, as for one the loader finds.
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^clickrelay: CR_ERR_TLS_UNAVAILABLE: server\.tls_cert_file is set, but the loaded uWebSockets\.js build .* cannot serve TLS/);
    expect(r.stderr).not.toContain('    at ');
  });

  const setpriv = findProgram('setpriv', 'apt-get install -y util-linux');
  it.skipIf(skipUnless(setpriv))('a port below 1024 without CAP_NET_BIND_SERVICE names the capability and the drop-in', async () => {
    const dir = tempDataDir();
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('../../support/child-service.js');
    // Drop the capability from every set, as an unprivileged service user would lack it.
    const proc = spawn(setpriv.path!, ['--inh-caps=-net_bind_service', '--bounding-set=-net_bind_service', process.execPath, CLI, 'serve'], {
      env: { ...process.env, CLICKRELAY_CONFIG: '', CLICKRELAY_STORAGE_DATA_DIR: dir, CLICKRELAY_SERVER_PORT: '81', CLICKRELAY_ADMIN_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => proc.on('close', r));
    expect(code).toBe(1);
    const lines = err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^clickrelay: CR_ERR_LISTEN_PRIVILEGED: public listener cannot listen on 127\.0\.0\.1:81: ports below 1024 need CAP_NET_BIND_SERVICE/);
    expect(lines[0]).toContain('bind-low-ports.conf');
    expect(lines[0]).not.toContain('in use by another process');
  });

  it('a port in use still says so', async () => {
    const net = await import('node:net');
    const port = await freePort();
    const holder = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    try {
      const r = await cli(['serve'], dataDirEnv(tempDataDir(), { CLICKRELAY_SERVER_PORT: String(port), CLICKRELAY_ADMIN_PORT: '0' }));
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^clickrelay: CR_ERR_LISTEN_FAILED: public listener could not listen on 127\.0\.0\.1:\d+ \(in use/)]);
    } finally {
      holder.close();
    }
  });

  it('a trusted proxy the client-address parser refuses is a config error naming the key, not a crash of serve', async () => {
    // ipaddr.js accepts the octal form; the parser the redirect builds its matcher with does not.
    const r = await cli(['serve'], { ...dataDirEnv(tempDataDir()), CLICKRELAY_SERVER_PORT: '0', CLICKRELAY_ADMIN_PORT: '0', CLICKRELAY_SERVER_TRUST_PROXY: '010.0.0.1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('clickrelay: CR_ERR_CONFIG_INVALID: config key server.trust_proxy = "010.0.0.1" is not allowed: expected CIDRs such as "10.0.0.0/8" or single addresses\n');
  });

  it('a misspelled CLICKRELAY_ variable stops every command, naming it', async () => {
    const r = await cli(['status'], { CLICKRELAY_STORAGE_DATA_DIRR: tempDataDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('clickrelay: CR_ERR_CONFIG_INVALID: environment variable CLICKRELAY_STORAGE_DATA_DIRR is not a configuration key (did you mean CLICKRELAY_STORAGE_DATA_DIR?): unset it, or use one of CLICKRELAY_<SECTION>_<KEY> as listed in config/clickrelay.toml\n');
  });
});

describe('outbox schema version', () => {
  it('status shows it, and says when the data folder needs another build; serve refuses in one coded line', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, mixedClicks(2));
    // Schema 2 since #25 (erase checkpoints).
    expect((await cli(['status'], dataDirEnv(dir))).stdout).toMatch(/; outbox schema 2$/m);
    sqlite(dir).prepare("UPDATE meta SET value = '3' WHERE key = 'schema_version'").run();
    const st = await cli(['status'], dataDirEnv(dir));
    expect(st.stdout).toContain('outbox schema 3, this build reads 2: UPGRADE NEEDED');
    const json = JSON.parse((await cli(['status', '--json'], dataDirEnv(dir))).stdout) as { version: string; outbox: Record<string, unknown> };
    expect(json.version).toBe(pkg.version);
    expect(json.outbox).toMatchObject({ schema_version: 3, schema_version_supported: 2 });
    const serve = await cli(['serve'], dataDirEnv(dir, { CLICKRELAY_SERVER_PORT: '0', CLICKRELAY_ADMIN_PORT: '0' }));
    expect(serve.code).toBe(1);
    expect(serve.stderr).toBe(`clickrelay: CR_ERR_OUTBOX_OPEN: cannot open the outbox in ${dir}: outbox.db has schema version 3; this build understands 2\n`);
  });
});

describe('dead-letters purge', () => {
  it('refuses to purge without --id or --all, and deletes nothing', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, mixedClicks(6));
    sqlite(dir).prepare("UPDATE clicks SET state = 'dead', dead_reason = 'rejected: test' WHERE seq <= 4").run();
    const refused = await cli(['dead-letters', 'purge'], dataDirEnv(dir));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--all');
    const list = await cli(['dead-letters', 'list', '--json'], dataDirEnv(dir));
    expect(JSON.parse(list.stdout)).toHaveLength(4);

    const both = await cli(['dead-letters', 'purge', '--all', '--id', 'x'], dataDirEnv(dir));
    expect(both.code).toBe(2);

    const one = JSON.parse(list.stdout)[0].click_id as string;
    const byId = await cli(['dead-letters', 'purge', '--id', one], dataDirEnv(dir));
    expect(byId.stdout).toBe('purged 1 dead letters\n');
    const all = await cli(['dead-letters', 'purge', '--all'], dataDirEnv(dir));
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('purged 3 dead letters\n');
    // The audit still verifies across the purges (checkpoints).
    expect((await cli(['audit'], dataDirEnv(dir))).code).toBe(0);
  }, 60_000);
});

describe.skipIf(skipUnless(scriptProgram))('progress bars and pretty logs on a terminal only', () => {
  it('export and audit draw a bar on a terminal, and nothing on stderr when piped', async () => {
    const dir = tempDataDir();
    await writeOutbox(dir, mixedClicks(3000));
    for (const args of [['export'], ['audit']]) {
      const tty = await onTty(args, dataDirEnv(dir));
      expect(tty.code, args[0]).toBe(0);
      expect(tty.screen, args[0]).toMatch(new RegExp(`${args[0]} .*3000/3000 rows 100%`));
      const piped = await cli(args, dataDirEnv(dir));
      expect(piped.code).toBe(0);
      expect(piped.stderr, args[0]).toBe('');
    }
  }, 60_000);

  it('sync counts the rows it reads, and ship --once its clicks, on a terminal only', async () => {
    const dir = tempDataDir();
    const links = join(dir, 'links.ndjson');
    const now = new Date().toISOString();
    writeFileSync(links, Array.from({ length: 5000 }, (_, i) => JSON.stringify({ tracking_id: `lt_p${i}`, original_url: `https://example.com/${i}`, is_active: true, created_at: now, updated_at: now })).join('\n'));
    const sync = await onTty(['sync'], dataDirEnv(dir, { CLICKRELAY_SYNC_FILE: links }));
    expect(sync.code, sync.screen).toBe(0);
    expect(sync.screen).toMatch(/sync \d+ rows read \(/);
    expect((await cli(['sync'], dataDirEnv(dir, { CLICKRELAY_SYNC_FILE: links }))).stderr).toBe('');

    const { startRefMainSystem } = await import('../../support/ref-main-system/server.js');
    const main = await startRefMainSystem({ apiKey: 'progress-key-0123456789' });
    try {
      await writeOutbox(dir, mixedClicks(1500));
      const env = dataDirEnv(dir, { CLICKRELAY_MAIN_SYSTEM_BASE_URL: main.url, CLICKRELAY_MAIN_SYSTEM_API_KEY: 'progress-key-0123456789' });
      const ship = await onTty(['ship', '--once'], env);
      expect(ship.code, ship.screen).toBe(0);
      expect(ship.screen).toMatch(/ship .*1500\/1500 clicks 100%/);
      await writeOutbox(dir, mixedClicks(10));
      const piped = await cli(['ship', '--once'], env);
      expect(piped.code).toBe(0);
      expect(piped.stderr).toBe('');
    } finally {
      await main.close();
    }
  }, 120_000);

  it('serve logs pretty lines on a terminal and JSON lines into a pipe', async () => {
    const ports = { CLICKRELAY_SERVER_PORT: '0', CLICKRELAY_ADMIN_PORT: '0' };
    const tty = await onTty(['serve'], dataDirEnv(tempDataDir(), ports), { stopWhen: /serving http/, killAfterMs: 40_000 });
    expect(tty.screen).toMatch(/INFO.*clickrelay \d+\.\d+\.\d+ starting/);
    expect(tty.screen).not.toContain('{"level"');
    // A folder of its own: the terminal's serve may still be letting go of its folder's lock.
    const { runCli } = await import('../../support/child-service.js');
    const piped = runCli(['serve'], dataDirEnv(tempDataDir(), ports));
    const { waitFor } = await import('../../support/wait-for.js');
    const listening = () => piped.output().includes('"event":"listening"');
    await waitFor('the JSON "listening" line', () => listening() || piped.proc.exitCode !== null, { timeoutMs: 40_000, stepMs: 100 });
    expect(listening(), piped.output()).toBe(true);
    piped.proc.kill('SIGTERM');
    await piped.exited;
    const first = piped.output().split('\n')[0]!;
    expect(JSON.parse(first)).toMatchObject({ level: 30, event: 'starting', version: pkg.version });
  }, 60_000);
});
