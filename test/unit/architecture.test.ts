/**
 * The shape ARCHITECTURE.md promises, checked on the source tree so that it stays true:
 * no import circle anywhere in src/, the mirror and the shipper reach the main system only
 * through the ports, and no stage other than the composition root (src/service/) and the
 * main-system factories picks an adapter.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types, shared with the command line
import { importCircles, importGraph } from '../../scripts/import-graph.mjs';

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

  it.each(['mirror', 'shipper'])('%s/ knows the main system only through its ports', (stage) => {
    const reaching = importsOf(stage).filter(({ to }) => to.startsWith('main-system/') && to !== 'main-system/ports.ts');
    expect(reaching).toEqual([]);
  });

  it('the main-system adapters do not reach into the stages that use them', () => {
    const reaching = importsOf('main-system').filter(({ to }) => /^(mirror|shipper|outbox|redirect|service|cli)\//.test(to) && to !== 'mirror/errors.ts' && to !== 'outbox/errors.ts');
    expect(reaching).toEqual([]);
  });

  it('CLI commands build stages through the composition root, never by hand', () => {
    const handBuilt = [...graph]
      .filter(([f]) => rel(f).startsWith('cli/commands/'))
      .filter(([f]) => /\bcreateShipper\(|\bOutbox\.open\(|\bMirror\.open\(|\bopenClickSink\(/.test(readFileSync(f, 'utf8')))
      .map(([f]) => rel(f));
    expect(handBuilt).toEqual([]);
  });
});
