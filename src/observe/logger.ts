/**
 * The one pino logger. JSON lines to stdout (journald keeps them), pretty on a terminal; never given a client
 * address, a query string or the API key — callers pass ids and counts only, and the
 * redact list is a second line of defence for fields that might slip in.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * On a terminal (someone running `serve` by hand) lines go through pino-pretty, in its own
 * worker thread so the redirect thread never formats them; anywhere else (journald, a pipe,
 * a file) they stay JSON, one object a line, for jq and log shippers.
 */
function defaultDestination(): pino.DestinationStream {
  if (process.stdout.isTTY) {
    return pino.transport({ target: 'pino-pretty', options: { destination: 1, colorize: true, translateTime: 'SYS:standard', ignore: 'pid,hostname,service' } }) as pino.DestinationStream;
  }
  return pino.destination({ fd: 1, sync: false });
}

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
    destination ?? defaultDestination(),
  );
}
