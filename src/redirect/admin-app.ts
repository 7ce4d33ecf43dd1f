/**
 * The admin listener (loopback by default): /healthz, /readyz, /metrics and read-only
 * JSON routes the service adds (status, local analytics). When it is bound beyond
 * loopback, every request must carry the admin bearer token.
 */
import { timingSafeEqual } from 'node:crypto';
import type { HttpResponse, TemplatedApp, Uws } from './uws.js';

export interface AdminAppDeps {
  uws: Uws;
  /** null: no token required (loopback only, enforced by config). */
  token: string | null;
  /** true, or why not (a string), answered as 503 with that text. */
  isReady(): boolean | string | Promise<boolean | string>;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Extra GET routes answering JSON: path pattern (uWS syntax) → handler(params). null = 404. */
  jsonRoutes?: Record<string, (params: string[]) => Promise<unknown | null>>;
}

export function createAdminApp(d: AdminAppDeps): TemplatedApp {
  const app = d.uws.App();
  const expected = d.token ? Buffer.from(`Bearer ${d.token}`) : null;
  const authorized = (header: string) => {
    if (!expected) return true;
    const given = Buffer.from(header);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const text = (res: HttpResponse, status: string, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.cork(() => {
      res.writeStatus(status).writeHeader('Content-Type', type).writeHeader('Cache-Control', 'no-store').end(body);
    });
  };

  /** Wraps a GET route with the token check and async-safe answering. */
  const route = (pattern: string, paramCount: number, fn: (res: HttpResponse, params: string[]) => Promise<void> | void) => {
    app.get(pattern, (res, req) => {
      if (!authorized(req.getHeader('authorization'))) return text(res, '401 Unauthorized', 'unauthorized\n');
      const params = Array.from({ length: paramCount }, (_, i) => req.getParameter(i) ?? '');
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      Promise.resolve(fn(res, params)).catch((err: unknown) => {
        if (!aborted) text(res, '500 Internal Server Error', `${String((err as Error)?.message ?? err)}\n`);
      });
    });
  };

  route('/healthz', 0, (res) => text(res, '200 OK', 'ok\n'));
  route('/readyz', 0, async (res) => {
    const ready = await d.isReady();
    if (ready === true) text(res, '200 OK', 'ready\n');
    else text(res, '503 Service Unavailable', `${ready === false ? 'not ready' : ready}\n`);
  });
  route('/metrics', 0, async (res) => {
    const m = await d.metrics();
    text(res, '200 OK', m.body, m.contentType);
  });
  for (const [pattern, handler] of Object.entries(d.jsonRoutes ?? {})) {
    const paramCount = (pattern.match(/:/g) ?? []).length;
    route(pattern, paramCount, async (res, params) => {
      const value = await handler(params);
      if (value === null) text(res, '404 Not Found', JSON.stringify({ error: 'not found', timestamp: new Date().toISOString() }), 'application/json');
      else text(res, '200 OK', JSON.stringify(value), 'application/json');
    });
  }
  app.any('/*', (res) => text(res, '404 Not Found', 'not found\n'));
  return app;
}
