import { describe, expect, it } from 'vitest';
import { describeBuild, loadUws } from '../../../src/http/uws.js';

const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;

describe('uWebSockets.js loader', () => {
  it('loads a native build on this machine and says which', () => {
    const { uws, build } = loadUws({ allowJsFallback: false });
    expect(build.native).toBe(true);
    expect(['@btc-vision/uwebsockets.js', '@trufflesuite/uws-js-unofficial']).toContain(build.package);
    expect(build.file).toMatch(/\.node$/);
    expect(typeof uws.App).toBe('function');
    expect(describeBuild(build)).toMatch(/ \(native, (TLS|no TLS)\)$/);
  });

  it('prefers the newest republish and explains why it was skipped when glibc is too old', () => {
    const { build } = loadUws({ allowJsFallback: false });
    const [major, minor] = (glibc ?? '0.0').split('.').map(Number) as [number, number];
    const btcRuns = Number(process.versions.node.split('.')[0]) >= 20 && (major > 2 || (major === 2 && minor >= 38));
    if (btcRuns) expect(build.package).toBe('@btc-vision/uwebsockets.js');
    else {
      expect(build.package).toBe('@trufflesuite/uws-js-unofficial');
      expect(build.skipped.join(' ')).toMatch(/@btc-vision\/uwebsockets\.js: .*(GLIBC|cannot open|Cannot find)/);
    }
  });

  it('describes the JS imitation loudly', () => {
    expect(describeBuild({ package: 'x', version: '1', native: false, tls: false, file: 'x.js', skipped: [] })).toContain('JS IMITATION');
  });
});
