/**
 * The main system as the shipper's click sink (shipper/ports.ts): the HTTP API or the
 * guide's `link_clicks` table. Which one a configuration uses is src/adapters/registry.ts's
 * choice. The one place that reads the credential for it: throws when it cannot be read.
 */
import type { ClickSink } from '../shipper/ports.js';
import { readApiKey } from './http/api-key.js';
import { httpClickSink } from './http/click-sink.js';
import { openClickSink as openPostgresSink } from './postgres/index.js';

export interface ClickSinkSettings {
  base_url: string;
  api_key_file: string;
  database_url: string;
  database_password_file: string;
  timeout_ms: number;
}

export interface SinkOptions {
  concurrency: number;
  timeoutMs?: number;
}

export function openHttpClickSink(ms: ClickSinkSettings, o: SinkOptions, env: NodeJS.ProcessEnv = process.env): ClickSink {
  return httpClickSink({ baseUrl: ms.base_url, apiKey: readApiKey(ms, env), timeoutMs: o.timeoutMs ?? ms.timeout_ms, connections: Math.max(1, o.concurrency) });
}

export function openPostgresClickSink(ms: ClickSinkSettings, o: SinkOptions, env: NodeJS.ProcessEnv = process.env): ClickSink {
  return openPostgresSink({ ...ms, timeout_ms: o.timeoutMs ?? ms.timeout_ms }, Math.max(1, o.concurrency), env);
}
