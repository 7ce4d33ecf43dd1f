/**
 * The shipper's click sink, as the configuration selects it: the HTTP API when
 * main_system.base_url is set, the main system's PostgreSQL when database_url is, none when
 * standalone. The one place that reads the credential for it.
 */
import { mainSystemAdapter } from './adapter.js';
import { readApiKey } from './http/api-key.js';
import { httpClickSink } from './http/click-sink.js';
import type { ClickSink } from './ports.js';
import { openClickSink as openPostgresClickSink } from './postgres/index.js';

export interface ClickSinkSettings {
  base_url: string;
  api_key_file: string;
  database_url: string;
  database_password_file: string;
  timeout_ms: number;
}

/** null when standalone (nowhere to ship to). Throws when the credential cannot be read. */
export function openClickSink(ms: ClickSinkSettings, o: { concurrency: number; timeoutMs?: number }, env: NodeJS.ProcessEnv = process.env): ClickSink | null {
  const timeoutMs = o.timeoutMs ?? ms.timeout_ms;
  const connections = Math.max(1, o.concurrency);
  switch (mainSystemAdapter(ms)) {
    case 'http':
      return httpClickSink({ baseUrl: ms.base_url, apiKey: readApiKey(ms, env), timeoutMs, connections });
    case 'postgres':
      return openPostgresClickSink({ ...ms, timeout_ms: timeoutMs }, connections, env);
    case null:
      return null;
  }
}
