/** The NATS client libraries, loaded when NATS is first used (lib/lazy-require.ts says why). */
import type * as Jetstream from '@nats-io/jetstream';
import type * as Transport from '@nats-io/transport-node';
import { lazyRequire } from '../lib/lazy-require.js';

export const nats = lazyRequire<typeof Transport>('@nats-io/transport-node');
export const jetstream = lazyRequire<typeof Jetstream>('@nats-io/jetstream');
