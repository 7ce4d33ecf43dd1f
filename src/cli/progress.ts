/**
 * Progress of long work (sync, export, audit, ship --once) for a person at a terminal:
 * drawn on stderr, so stdout stays the command's output (export pipes NDJSON), and only
 * when stderr is a TTY, so journald, cron mail and pipes get nothing at all.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

/** `total` 0: not known in advance. */
export function progress(label: string, unit: string, total = 0, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      // Without a total (a sync's listing is streamed) only the count and the time so far.
      format: total > 0 ? `${label} {bar} {value}/{total} ${unit} {percentage}% ETA {eta_formatted}` : `${label} {value} ${unit} ({duration_formatted})`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}

