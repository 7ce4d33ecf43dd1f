#!/usr/bin/env node
/**
 * The import graph of src/: every import circle (strongly connected set of files), the same
 * graph folder by folder (the top folder under src/; files at the root are '(root)'), and the
 * file count and size per folder. Run by test/unit/architecture.test.ts and by hand for a
 * review: `node scripts/import-graph.mjs [--sizes] [--folders]`, which exits non-zero on any
 * architecture problem (architectureProblems below).
 * Type-only imports count too: a circle a reader must walk is a circle, emitted code or not.
 * So does a worker thread's entry (`new URL('./x-worker.js', import.meta.url)`): the thread
 * runs that file's code on the launcher's behalf.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|new URL\(\s*['"](\.{1,2}\/[^'"]+\.js)['"]\s*,\s*import\.meta\.url\s*\)/g;

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
      const spec = m[1] ?? m[2] ?? m[3];
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

/** The folder a file belongs to: its top folder under src/, or '(root)' for a file at the root. */
export function folderOf(srcDir, file) {
  const parts = relative(srcDir, file).split(sep);
  return parts.length === 1 ? ROOT : parts[0];
}

export const ROOT = '(root)';

/** folder → the other folders it imports from, each with the file-level imports that make the edge. */
export function folderGraph(srcDir, graph = importGraph(srcDir)) {
  const folders = new Map();
  for (const [file, targets] of graph) {
    const from = folderOf(srcDir, file);
    if (!folders.has(from)) folders.set(from, new Map());
    for (const t of targets) {
      if (!graph.has(t)) continue; // not a source file (package.json, a .d.ts)
      const to = folderOf(srcDir, t);
      if (to === from) continue;
      const edges = folders.get(from);
      if (!edges.has(to)) edges.set(to, []);
      edges.get(to).push(`${relative(srcDir, file)} → ${relative(srcDir, t)}`);
    }
  }
  return folders;
}

/** What config/ may import: the root files (errors, types, the error catalogue) and lib/. */
const CONFIG_MAY_IMPORT = new Set([ROOT, 'lib']);

/**
 * Every way the tree breaks its folder-level architecture, as sentences (empty: none):
 * a circle between folders (one folder importing another that leads back to it), and
 * config/ importing a stage (configuration is read by every stage, so it sits below them all).
 */
export function architectureProblems(srcDir) {
  const folders = folderGraph(srcDir);
  const problems = [];
  const asGraph = new Map([...folders].map(([f, edges]) => [f, [...edges.keys()]]));
  for (const circle of importCircles(asGraph)) {
    const inside = new Set(circle);
    const via = circle.flatMap((f) => [...folders.get(f)].filter(([to]) => inside.has(to)).map(([to, files]) => `${f} → ${to} (${files[0]}${files.length > 1 ? `, +${files.length - 1}` : ''})`));
    problems.push(`folder circle: ${circle.join(' ↔ ')}: ${via.join('; ')}`);
  }
  for (const [to, files] of folders.get('config') ?? []) {
    if (!CONFIG_MAY_IMPORT.has(to)) problems.push(`config/ imports ${to}/ (${files.join(', ')}): config may import only root files and lib/`);
  }
  return problems;
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
  if (process.argv.includes('--folders')) {
    for (const [from, edges] of [...folderGraph(src)].sort(([a], [b]) => a.localeCompare(b))) {
      for (const [to, files] of [...edges].sort(([a], [b]) => a.localeCompare(b))) console.log(`${from} -> ${to} (${files.length})`);
    }
  }
  for (const c of circles) console.log(`circle: ${c.map((f) => relative(src, f)).join(' ↔ ')}`);
  console.log(`${circles.length} import circle(s)`);
  const problems = architectureProblems(src);
  for (const p of problems) console.log(p);
  console.log(`${problems.length} folder-level problem(s)`);
  process.exitCode = circles.length > 0 || problems.length > 0 ? 1 : 0;
}
