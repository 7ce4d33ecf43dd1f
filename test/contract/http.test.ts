/** The sink conformance suite (sink-conformance.ts) against the http sink. */
import { httpDriver } from './drivers/http.js';
import { sinkConformance } from './sink-conformance.js';

sinkConformance(httpDriver());
