/**
 * The one pino logger. JSON lines to stdout (journald keeps them); never given a client
 * address, a query string or the API key — callers pass ids and counts only, and the
 * redact list is a second line of defence for fields that might slip in.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'clickrelay' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['apiKey', 'api_key', 'authorization', '*.authorization', 'headers.authorization', 'ip', 'ip_address', 'query'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
