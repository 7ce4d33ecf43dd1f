/**
 * Stands in for an NDJSON line of the links file that is not JSON, so the build counts it
 * (`bad_json`) like any other bad row instead of failing the whole file.
 */
export const BAD_JSON_ROW: unique symbol = Symbol('bad_json_row');
