/** The hand-rolled hot-path metrics read out exactly like prom-client's own Counter and Histogram. */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram, createMetrics } from '../../../src/observe/metrics.js';

describe('FastHistogram', () => {
  it('exposes the same text as a prom-client Histogram fed the same values', async () => {
    const buckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
    const ours = new Registry();
    const theirs = new Registry();
    const fast = new FastHistogram('x_seconds', 'help text', buckets, ours);
    const ref = new Histogram({ name: 'x_seconds', help: 'help text', buckets, registers: [theirs] });
    for (const v of [0, 0.0005, 0.0007, 0.001, 0.003, 0.02, 0.3, 1, 5, 1e-9]) {
      fast.observe(v);
      ref.observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // reset() reads like a fresh histogram (prom-client's own prints nothing until observed again)
    fast.reset();
    const fresh = new Registry();
    new Histogram({ name: 'x_seconds', help: 'help text', buckets, registers: [fresh] });
    expect(await ours.metrics()).toBe(await fresh.metrics());
  });
});

describe('FastCounter', () => {
  it('exposes the same text as a prom-client Counter with the same labels', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const fast = new FastCounter('y_total', 'help', ['status'] as const, ours);
    const ref = new Counter({ name: 'y_total', help: 'help', labelNames: ['status'] as const, registers: [theirs] });
    const f302 = fast.labels({ status: '302' });
    const r302 = ref.labels({ status: '302' });
    for (let i = 0; i < 5; i++) {
      f302.inc();
      r302.inc();
    }
    fast.labels({ status: '404' }).inc(2);
    ref.labels({ status: '404' }).inc(2);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('is what the service counts redirects with', async () => {
    const m = createMetrics();
    m.redirects.labels({ status: '302' }).inc();
    expect(await m.registry.metrics()).toContain('clickrelay_redirects_total{status="302"} 1');
  });
});
