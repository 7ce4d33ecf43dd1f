/**
 * The client's connection options, from the settings and the credential. Why these:
 * reconnect for ever, soon (a restart or a leader move is seconds), with jitter so a fleet
 * does not return at once; the first connect fails at once instead of waiting, so the
 * shipper's backoff (and its status) owns the waiting; pings every 20 s, three unanswered
 * ones end a half-open connection (a NAT or firewall that dropped it silently). No echo:
 * we subscribe only to our own replies.
 */
import type { ConnectionOptions } from '@nats-io/transport-node';
import type { NatsCredentials } from './credentials.js';
import type { NatsServers } from '../lib/nats-servers.js';

export function connectOptions(servers: NatsServers, creds: NatsCredentials, timeoutMs: number): ConnectionOptions {
  return {
    servers: servers.servers,
    ...(servers.tls ? { tls: {} } : {}),
    ...(creds.authenticator ? { authenticator: creds.authenticator } : {}),
    name: 'clickrelay',
    timeout: timeoutMs,
    waitOnFirstConnect: false,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    reconnectJitterTLS: 500,
    pingInterval: 20_000,
    maxPingOut: 3,
    noEcho: true,
  };
}
