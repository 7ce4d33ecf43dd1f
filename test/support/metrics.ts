/** One unlabelled sample of a running serve's /metrics (Prometheus text), or null when it is absent. */
export async function metricValue(adminBase: string, name: string): Promise<number | null> {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${adminBase}/metrics`)).text());
  return m ? Number(m[1]) : null;
}
