/**
 * export/ — `clickrelay export`: the stored clicks streamed out as NDJSON or CSV with
 * backpressure, between two optional time bounds. Opens outbox.db read-only.
 */
export { EXPORT_FORMATS, writeExport, type ExportFormat } from './export.js';
export { parseTimeBound } from './export-range.js';
