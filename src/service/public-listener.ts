/**
 * The public listener, re-creatable for a TLS reload (SIGHUP after a certificate renewal):
 * a new SSLApp reads the certificate and key files again. Every app that ever listened is
 * kept, because one replaced by a reload still holds connections the stop must drain.
 */
import { listen, type Listening } from '../http/listen.js';
import { createPublicApp, type PublicAppDeps } from '../http/public/public-app.js';
import type { TemplatedApp } from '../http/uws.js';

export class PublicListener {
  #app: TemplatedApp;
  #listening: Listening | null = null;
  readonly apps: TemplatedApp[];

  /** `reusePort`: one of several serving threads on the port (listen.ts, port-lock.ts). */
  constructor(
    private readonly deps: PublicAppDeps,
    private readonly host: string,
    private readonly opts: { reusePort?: boolean } = {},
  ) {
    this.#app = createPublicApp(deps);
    this.apps = [this.#app];
  }

  async listen(port: number): Promise<number> {
    this.#listening = await listen(this.deps.uws, this.#app, this.host, port, 'public listener', this.opts);
    return this.#listening.port;
  }

  get port(): number {
    return this.#listening?.port ?? 0;
  }

  /**
   * The old listen socket closes just before the new one binds (exclusive port), so new
   * connections are refused for well under a millisecond (with reusePort the other threads
   * take them meanwhile). If the new app cannot listen,
   * the old one listens again and the error is passed on.
   */
  async reload(): Promise<void> {
    const app = createPublicApp(this.deps);
    const port = this.port;
    this.#listening?.close();
    try {
      this.#listening = await listen(this.deps.uws, app, this.host, port, 'public listener', this.opts);
      this.#app = app;
      this.apps.push(app);
    } catch (err) {
      this.#listening = await listen(this.deps.uws, this.#app, this.host, port, 'public listener', this.opts);
      throw err;
    }
  }

  close(): void {
    this.#listening?.close();
  }
}
