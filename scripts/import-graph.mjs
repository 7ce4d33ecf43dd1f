#!/usr/bin/env node
/**
 * The import graph of src/: every import circle (strongly connected set of files), and the
 * file count and size per folder. Run by test/unit/architecture.test.ts (no circle may
 * exist) and by hand for a review: `node scripts/import-graph.mjs [--sizes]`.
 * Type-only imports count too: a circle a reader must walk is a circle, emitted code or not.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

export function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** file → the src files it imports (relative specifiers only; `.js` written for `.ts`). */
export function importGraph(srcDir) {
  const graph = new Map();
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    const targets = new Set();
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2];
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      targets.add(target);
    }
    graph.set(file, [...targets].filter((t) => t !== file));
  }
  return graph;
}

/** Tarjan's strongly connected components with more than one file: the import circles. */
export function importCircles(graph) {
  let index = 0;
  const stack = [];
  const onStack = new Set();
  const idx = new Map();
  const low = new Map();
  const circles = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) circles.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return circles;
}

export function folderSizes(srcDir) {
  const sizes = new Map();
  for (const file of sourceFiles(srcDir)) {
    const folder = relative(dirname(srcDir), dirname(file));
    const s = sizes.get(folder) ?? { files: 0, lines: 0, bytes: 0 };
    s.files++;
    s.lines += readFileSync(file, 'utf8').split('\n').length - 1;
    s.bytes += statSync(file).size;
    sizes.set(folder, s);
  }
  return new Map([...sizes].sort(([a], [b]) => a.localeCompare(b)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const circles = importCircles(importGraph(src));
  if (process.argv.includes('--sizes')) {
    let total = { files: 0, lines: 0, bytes: 0 };
    for (const [folder, s] of folderSizes(src)) {
      console.log(`${folder.padEnd(28)} ${String(s.files).padStart(3)} files ${String(s.lines).padStart(6)} lines ${String(s.bytes).padStart(7)} bytes`);
      total = { files: total.files + s.files, lines: total.lines + s.lines, bytes: total.bytes + s.bytes };
    }
    console.log(`${'total'.padEnd(28)} ${String(total.files).padStart(3)} files ${String(total.lines).padStart(6)} lines ${String(total.bytes).padStart(7)} bytes`);
  }
  for (const c of circles) console.log(`circle: ${c.map((f) => relative(src, f)).join(' ↔ ')}`);
  console.log(`${circles.length} import circle(s)`);
  process.exitCode = circles.length > 0 ? 1 : 0;
}
