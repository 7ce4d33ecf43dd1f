/** The sink conformance suite (sink-conformance.ts) against the postgres sink. */
import { postgresDriver } from './drivers/postgres.js';
import { sinkConformance } from './sink-conformance.js';

sinkConformance(postgresDriver());
