#!/usr/bin/env node
/**
 * What each stage's index.ts offers against what the other stages of src/ take from it. A
 * barrel is the stage's public surface, so it should export exactly the names other stages
 * use: a name nobody outside imports is surface to maintain for nothing, and a name another
 * stage takes from a file behind the barrel is a dependency the barrel does not show.
 * Tests are not counted: they may import any file. For a review, by hand:
 * `node scripts/barrel-surface.mjs` (exit 1 when a barrel exports a name no other stage uses).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceFiles } from './import-graph.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
// `import { a, type B } from './x.js'`, `export { a } from './x.js'`, and `await import('./x.js')` (all names).
const NAMED = /(?:import|export)\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'(\.{1,2}\/[^']+)'/g;
const DYNAMIC = /import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g;

const names = (list) =>
  list
    .split(',')
    .map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0])
    .filter(Boolean);

/** The stage a file belongs to: the folder of the nearest index.ts above it, or null. */
function stageOf(file) {
  for (let dir = dirname(file); dir.startsWith(SRC) && dir !== SRC; dir = dirname(dir)) {
    if (existsSync(join(dir, 'index.ts'))) return dir;
  }
  return null;
}

const files = sourceFiles(SRC);
const barrels = files.filter((f) => f.endsWith(`${sep}index.ts`));
const exported = new Map(barrels.map((b) => [dirname(b), new Set()]));
for (const b of barrels) {
  const text = readFileSync(b, 'utf8');
  for (const m of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}/gm)) for (const n of names(m[1])) exported.get(dirname(b)).add(n);
  for (const m of text.matchAll(/^export\s+(?:async\s+)?(?:function|const|class|interface|type)\s+(\w+)/gm)) exported.get(dirname(b)).add(m[1]);
}

const used = new Map(barrels.map((b) => [dirname(b), new Set()]));
const bypass = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const from = stageOf(file);
  const take = (spec, list) => {
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    const stage = stageOf(target);
    if (!stage || stage === from || (from && from.startsWith(stage + sep))) return;
    if (target === join(stage, 'index.ts')) for (const n of list) used.get(stage).add(n);
    else bypass.push(`${relative(ROOT, file)} → ${relative(ROOT, target)} (${list.join(', ') || 'all'})`);
  };
  for (const m of text.matchAll(NAMED)) take(m[2], names(m[1]));
  for (const m of text.matchAll(DYNAMIC)) take(m[1], []);
}

let unused = 0;
for (const [stage, offered] of exported) {
  const idle = [...offered].filter((n) => !used.get(stage).has(n));
  unused += idle.length;
  console.log(`${relative(ROOT, stage)}: ${offered.size} exported, ${offered.size - idle.length} imported by other stages${idle.length ? `; not imported: ${idle.join(', ')}` : ''}`);
}
if (bypass.length) console.log(`\nimports past a barrel:\n  ${bypass.join('\n  ')}`);
process.exitCode = unused ? 1 : 0;
