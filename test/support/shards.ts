/**
 * What the serving threads stored, read from every outbox shard present (src/outbox/shard-files.ts):
 * each click's tag, how many each shard holds, and each shard's chain check. Tests of
 * server.threads use it to prove "stored exactly once across the shards".
 */
import { listShards } from '../../src/outbox/shard-files.js';
import { openOutboxReadOnly, verifyChain } from '../../src/outbox/index.js';
import type { StoredClick } from '../../src/outbox/read-only.js';

export interface AcrossShards {
  /** every stored click (its row: state, shipped_at, …), shard by shard */
  clicks: (StoredClick & { shard: number })[];
  /** clicks per shard */
  perShard: Map<number, number>;
  /** chain violations, prefixed with their shard */
  violations: string[];
}

export function readAcrossShards(dataDir: string): AcrossShards {
  const out: AcrossShards = { clicks: [], perShard: new Map(), violations: [] };
  for (const shard of listShards(dataDir)) {
    const ro = openOutboxReadOnly(dataDir, shard);
    try {
      let n = 0;
      for (const c of ro.clicks()) {
        out.clicks.push({ ...c, shard });
        n++;
      }
      out.perShard.set(shard, n);
      for (const v of verifyChain(ro).violations) out.violations.push(`shard ${shard}: ${JSON.stringify(v)}`);
    } finally {
      ro.close();
    }
  }
  return out;
}

/** The tag (a metadata field such as utm_content) of every stored click, and which tags were stored twice. */
export function storedTags(dataDir: string, field: string): { tags: Set<string>; twice: string[]; perShard: Map<number, number>; violations: string[] } {
  const all = readAcrossShards(dataDir);
  const tags = new Set<string>();
  const twice: string[] = [];
  for (const { click } of all.clicks) {
    const tag = String((click.metadata as Record<string, unknown>)[field]);
    if (tags.has(tag)) twice.push(tag);
    tags.add(tag);
  }
  return { tags, twice, perShard: all.perShard, violations: all.violations };
}
