/** The sink conformance suite (sink-conformance.ts) against the nats sink. */
import { natsDriver } from './drivers/nats.js';
import { sinkConformance } from './sink-conformance.js';

sinkConformance(natsDriver());
