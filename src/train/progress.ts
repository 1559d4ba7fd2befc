// A per-epoch progress bar: batch i/n, loss, accuracy, examples/s and ETA.
// On a terminal it is a cli-progress bar redrawn in place (at most every ~200 ms, also during a
// synchronous training loop); elsewhere (CI logs, files, pipes) it prints plain lines, one each
// time another ~10% of the epoch is done, and a last one at the end.
import cliProgress from "cli-progress";

/** Where progress is written; `process.stdout` by default. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of a `ProgressBar`, e.g. `{ total: 469, label: "epoch 1/10" }`. */
export interface ProgressOptions {
  /** Batches in the epoch. */
  total: number;
  /** Shown first on every line, e.g. `"epoch 3/10"`. */
  label?: string;
  stream?: ProgressStream;
  /** Print plain lines even when the stream is a terminal (the bar is drawn only when `stream.isTTY`). */
  plain?: boolean;
  /** Plain-line mode: how many lines per epoch besides the last (default 10, one per 10%). */
  lines?: number;
  /** Clock in milliseconds, for tests; default `performance.now`. */
  now?: () => number;
}

/** What a batch reports, e.g. `{ loss: 0.52, acc: 0.81, examples: 256 }`; `examples` is this batch's size. */
export interface BatchMetrics {
  /** Running (e.g. mean so far) loss to display. */
  loss?: number;
  /** Running accuracy in [0, 1] to display. */
  acc?: number;
  /** Examples processed since the previous call, for examples/s. */
  examples?: number;
}

const fmt = (x: number | undefined, digits: number) => (x === undefined ? "-" : x.toFixed(digits));

/**
 * Format seconds as `m:ss` or `h:mm:ss`.
 * @example formatDuration(75); // "1:15"
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * Progress of one epoch: call `tick` after each batch and `stop` at the end.
 * @example const bar = new ProgressBar({ total: loader.length, label: `epoch ${e + 1}/${epochs}` });
 * for (const [X, y] of loader) { ...; bar.tick({ loss: meanLoss, acc: meanAcc, examples: X.shape[0] }); }
 * bar.stop();
 */
export class ProgressBar {
  readonly total: number;
  private done = 0;
  private examples = 0;
  private metrics: BatchMetrics = {};
  private readonly started: number;
  private readonly stream: ProgressStream;
  private readonly label: string;
  private readonly now: () => number;
  private readonly lines: number;
  private linesPrinted = 0;
  private stopped = false;
  private readonly bar: cliProgress.SingleBar | undefined;

  constructor(options: ProgressOptions) {
    if (!Number.isInteger(options.total) || options.total < 0) {
      throw new Error(`ProgressBar: total must be an integer >= 0, got ${options.total}`);
    }
    this.total = options.total;
    this.stream = options.stream ?? process.stdout;
    this.label = options.label ?? "";
    this.now = options.now ?? (() => performance.now());
    this.lines = Math.max(1, options.lines ?? 10);
    this.started = this.now();
    if (this.stream.isTTY === true && options.plain !== true) {
      const label = this.label ? `${this.label} ` : "";
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream as NodeJS.WritableStream,
          format: `${label}|{bar}| {value}/{total} | loss {loss} | acc {acc} | {rate} ex/s | ETA {eta_formatted}`,
          barsize: 25,
          barCompleteChar: "\u2588",
          barIncompleteChar: "\u2591",
          hideCursor: false,
          clearOnComplete: false,
          stopOnComplete: false,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.total, 0, this.payload());
    }
  }

  private payload(): Record<string, string> {
    return {
      loss: fmt(this.metrics.loss, 4),
      acc: fmt(this.metrics.acc, 3),
      rate: this.rate().toFixed(0),
    };
  }

  /** Examples per second so far (0 before any examples were reported). */
  rate(): number {
    const seconds = (this.now() - this.started) / 1000;
    return seconds > 0 ? this.examples / seconds : 0;
  }

  /**
   * Record one more finished batch.
   * @example bar.tick({ loss: 0.41, acc: 0.86, examples: 256 });
   */
  tick(metrics: BatchMetrics = {}): void {
    this.update(this.done + 1, metrics);
  }

  /**
   * Set the number of finished batches (for loops that skip ahead).
   * @example bar.update(100, { loss: 0.41 });
   */
  update(done: number, metrics: BatchMetrics = {}): void {
    if (this.stopped) return;
    this.done = Math.min(Math.max(0, done), this.total);
    this.examples += metrics.examples ?? 0;
    this.metrics = { ...this.metrics, ...metrics };
    if (this.bar) {
      this.bar.update(this.done, this.payload());
      return;
    }
    // Plain lines: one each time another 1/lines of the epoch is done (never the last one here).
    const step = this.total > 0 ? Math.floor((this.done * this.lines) / this.total) : 0;
    if (step > this.linesPrinted && this.done < this.total) {
      this.linesPrinted = step;
      this.printLine(false);
    }
  }

  private printLine(final: boolean): void {
    const elapsed = (this.now() - this.started) / 1000;
    const pct = this.total > 0 ? Math.floor((100 * this.done) / this.total) : 100;
    const eta = this.done > 0 ? (elapsed / this.done) * (this.total - this.done) : Number.NaN;
    const parts = [
      `${this.label ? `${this.label} ` : ""}batch ${this.done}/${this.total} (${pct}%)`,
      `loss ${fmt(this.metrics.loss, 4)}`,
      `acc ${fmt(this.metrics.acc, 3)}`,
      `${this.rate().toFixed(0)} ex/s`,
      final ? `took ${formatDuration(elapsed)}` : `ETA ${formatDuration(eta)}`,
    ];
    this.stream.write(`${parts.join(" | ")}\n`);
  }

  /** Finish the epoch: draw the final state (a terminal bar gets its newline; plain mode prints the last line). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.bar) {
      this.bar.update(this.done, this.payload());
      this.bar.stop();
    } else {
      this.printLine(true);
    }
  }
}
