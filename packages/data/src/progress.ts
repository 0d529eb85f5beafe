import cliProgress from 'cli-progress';

/** Receives progress of a long job; `total` is undefined while unknown (streaming input). */
export type ProgressCallback = (stage: string, done: number, total: number | undefined) => void;

export interface ProgressOptions {
  /** Where to draw; defaults to process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when the stream is not a terminal. */
  intervalSeconds?: number;
}

export interface ProgressReporter {
  readonly update: ProgressCallback;
  /** Ends the current bar or prints the last line. */
  stop(): void;
}

/**
 * A bar per stage on a terminal; on anything else (CI logs, pipes) one plain
 * line every few seconds, so logs stay readable. Library code only ever sees
 * the callback, which is why tests stay silent: they pass none.
 */
export function createProgress(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  return stream.isTTY ? barProgress(stream) : lineProgress(stream, (options.intervalSeconds ?? 5) * 1000);
}

function barProgress(stream: NodeJS.WriteStream): ProgressReporter {
  let bar: cliProgress.SingleBar | undefined;
  let current: string | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update(stage, done, total) {
      if (stage !== current) {
        stop();
        current = stage;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format:
              total === undefined
                ? `${stage.padEnd(14)} {value} rows  {speed} rows/s`
                : `${stage.padEnd(14)} [{bar}] {value}/{total}  {speed} rows/s`,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total ?? 0, 0, { speed: 0 });
        (bar as unknown as { startedAt: number }).startedAt = Date.now();
      }
      const startedAt = (bar as unknown as { startedAt: number }).startedAt;
      const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
      if (total !== undefined) bar?.setTotal(total);
      bar?.update(done, { speed: Math.round(done / seconds) });
    },
    stop,
  };
}

function lineProgress(stream: NodeJS.WriteStream, intervalMs: number): ProgressReporter {
  let current: string | undefined;
  let last = 0;
  let pending: string | undefined;
  const print = (line: string) => stream.write(`${line}\n`);
  return {
    update(stage, done, total) {
      const line = `${stage}: ${done}${total === undefined ? '' : `/${total}`}`;
      const now = Date.now();
      if (stage !== current || now - last >= intervalMs || (total !== undefined && done >= total)) {
        if (stage !== current && pending) print(pending);
        print(line);
        current = stage;
        last = now;
        pending = undefined;
      } else {
        pending = line;
      }
    },
    stop() {
      if (pending) print(pending);
      pending = undefined;
    },
  };
}
