/**
 * Violations as the audit collects them: every one counted, the first `maxListed` of each
 * rule kept with its details. A badly broken outbox of millions of rows must not make the
 * audit hold millions of findings (constant memory), and a reviewer needs the count and a
 * sample, not a second copy of the database.
 */
import { RULE_ORDER, type AuditRule } from './rules.js';

export interface AuditViolation {
  rule: AuditRule;
  /** null for rules about the data folder or a range of positions */
  click_id: string | null;
  /** position in the chain; null for rules about files */
  seq: number | null;
  detail: string;
}

export class ViolationLog {
  private readonly counts = new Map<AuditRule, number>();
  private readonly listed = new Map<AuditRule, AuditViolation[]>();

  constructor(private readonly maxListed: number) {}

  add(rule: AuditRule, click_id: string | null, seq: number | null, detail: string): void {
    const n = (this.counts.get(rule) ?? 0) + 1;
    this.counts.set(rule, n);
    if (n > this.maxListed) return;
    let list = this.listed.get(rule);
    if (!list) this.listed.set(rule, (list = []));
    list.push({ rule, click_id, seq, detail });
  }

  has(rule: AuditRule): boolean {
    return (this.counts.get(rule) ?? 0) > 0;
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Totals per rule, in report order. */
  countsByRule(): Partial<Record<AuditRule, number>> {
    const out: Partial<Record<AuditRule, number>> = {};
    for (const rule of RULE_ORDER) {
      const n = this.counts.get(rule);
      if (n) out[rule] = n;
    }
    return out;
  }

  /** The listed violations grouped by rule (report order), each group in the order found. */
  list(): AuditViolation[] {
    return RULE_ORDER.flatMap((rule) => this.listed.get(rule) ?? []);
  }

  get truncated(): boolean {
    for (const n of this.counts.values()) if (n > this.maxListed) return true;
    return false;
  }
}
