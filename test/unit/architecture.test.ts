/**
 * The shape ARCHITECTURE.md promises, checked on the source tree so that it stays true:
 * no import circle anywhere in src/, neither between files nor between folders (worker
 * entries count as imports), config/ below every stage, the ports owned by their users (the
 * main system implements the mirror's and the shipper's ports and they know nothing of it),
 * and no stage other than the composition root (src/service/) builds one by hand; and a serving
 * thread k ≥ 1 loads only the click path (each is a V8 isolate of its own, #22).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types, shared with the command line
import { architectureProblems, importCircles, importGraph } from '../../scripts/import-graph.mjs';

const SRC = resolve(import.meta.dirname, '../../src');
const graph: Map<string, string[]> = importGraph(SRC);
const rel = (f: string) => relative(SRC, f);

function importsOf(folder: string): { from: string; to: string }[] {
  return [...graph].filter(([f]) => rel(f).startsWith(`${folder}/`)).flatMap(([f, ts]) => ts.map((t) => ({ from: rel(f), to: rel(t) })));
}

describe('the source tree keeps its architecture', () => {
  it('has no import circle (type-only imports count)', () => {
    const circles: string[][] = importCircles(graph);
    expect(circles.map((c) => c.map(rel).join(' ↔ '))).toEqual([]);
  });

  it('has no circle between folders, and config/ imports only root files and lib/ (no exception listed)', () => {
    expect(architectureProblems(SRC)).toEqual([]);
  });

  it('follows worker entries: a launcher imports the file its thread runs', () => {
    expect(graph.get(resolve(SRC, 'mirror/build/build-thread.ts'))).toContain(resolve(SRC, 'mirror/build/build-worker.ts'));
  });

  it('names a folder circle no file circle shows, and config/ reaching a stage', () => {
    const tree = mkdtempSync(join(tmpdir(), 'cr-graph-'));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(tree, path)), { recursive: true });
      writeFileSync(join(tree, path), text);
    };
    try {
      write('a/x.ts', "import { y } from '../b/y.js';\nexport const x = y;\n");
      write('b/y.ts', 'export const y = 1;\n');
      write('b/z.ts', "export { w } from '../a/w.js';\n");
      write('a/w.ts', 'export const w = 2;\n');
      write('config/c.ts', "import { w } from '../a/w.js';\nimport type { T } from '../types.js';\nexport const c: T = w;\n");
      write('types.ts', 'export type T = number;\n');
      expect(importCircles(importGraph(tree))).toEqual([]);
      const problems: string[] = architectureProblems(tree);
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/^folder circle: .*a.*b/);
      expect(problems[1]).toMatch(/^config\/ imports a\/ \(config\/c\.ts → a\/w\.ts\)/);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  it.each(['mirror', 'shipper'])('%s/ imports nothing from main-system/: the ports are its own', (stage) => {
    const reaching = importsOf(stage).filter(({ to }) => to.startsWith('main-system/'));
    expect(reaching).toEqual([]);
  });

  it('main-system/ implements the ports: of mirror/ and shipper/ it imports only their ports files, and nothing of the other stages', () => {
    const reaching = importsOf('main-system').filter(({ to }) => /^(mirror|shipper|outbox|http|service|cli|adapters|notice|audit|analytics)\//.test(to) && to !== 'mirror/ports.ts' && to !== 'shipper/ports.ts');
    expect(reaching).toEqual([]);
  });

  it('adapters/ holds only the registry and its kind types', () => {
    expect([...graph.keys()].map(rel).filter((f) => f.startsWith('adapters/')).sort()).toEqual(['adapters/kinds.ts', 'adapters/registry.ts']);
  });

  it('CLI commands build stages through the composition root, never by hand', () => {
    const handBuilt = [...graph]
      .filter(([f]) => rel(f).startsWith('cli/commands/'))
      .filter(([f]) => /\bcreateShipper\(|\bOutbox\.open\(|\bMirror\.open\(|\bopen(Http|Postgres)?ClickSink\(|\bCLICK_SINKS\[[^\]]*\]\.open\(|\bLINK_SOURCES\b/.test(readFileSync(f, 'utf8')))
      .map(([f]) => rel(f));
    expect(handBuilt).toEqual([]);
  });

  it('a serving thread k ≥ 1 loads only the click path: not the sync, the click sinks, SQLite, the shipper, the notice or the admin listener', () => {
    // What its isolate runs: value imports only (type-only ones are erased, an import() is lazy).
    const VALUE_IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]/g;
    const files = new Set<string>();
    const packages = new Set<string>();
    const walk = (file: string): void => {
      if (files.has(file)) return;
      files.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(VALUE_IMPORT)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) walk(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else if (!spec.startsWith('node:')) packages.add(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
      }
    };
    walk(resolve(SRC, 'service/serving-worker.ts'));
    const heavy = [...files].map(rel).filter((f) => /^(adapters|main-system|nats|shipper|analytics|cli|audit|export|backup)\/|^mirror\/(mirror|sync|sync-scheduler)\.ts$|^mirror\/(build|store|listing)\/|^http\/admin\/|^notice\/privacy-notice|^outbox\/(read-only|store|shard-set|shard-readers|wal-check|open-checked)\.ts$|^service\/(service|stages|events)\.ts$/.test(f));
    expect(heavy).toEqual([]);
    expect([...packages].sort()).toEqual(['ipaddr.js', 'isbot', 'pino', 'prom-client', 'ua-parser-js']);
  });
});
