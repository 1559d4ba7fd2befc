// d2l's small training helpers: Accumulator, Timer, accuracy and evaluateAccuracy.
// Tensor methods (x.argmax(), loss.backward()...) are installed by the ops package.
import "../ops/index.js";
import { noGrad } from "../autograd/grad-mode.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * Sums over n variables, as d2l's `Accumulator`.
 * @example const m = new Accumulator(2); m.add(3, 4); m.add(1, 1); m.get(0); // 4
 */
export class Accumulator {
  readonly data: number[];

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`Accumulator: n must be an integer >= 0, got ${n}`);
    this.data = new Array<number>(n).fill(0);
  }

  /** Add one value per variable. */
  add(...values: number[]): void {
    if (values.length !== this.data.length) {
      throw new Error(`Accumulator.add: expected ${this.data.length} values, got ${values.length}`);
    }
    for (let i = 0; i < values.length; i++) this.data[i]! += values[i]!;
  }

  /** Set every sum back to 0. */
  reset(): void {
    this.data.fill(0);
  }

  /** The i-th sum (d2l's `metric[i]`). */
  get(i: number): number {
    const v = this.data[i];
    if (v === undefined)
      throw new RangeError(`Accumulator.get: index ${i} out of range (n = ${this.data.length})`);
    return v;
  }
}

/**
 * Records multiple running times, as d2l's `Timer` (seconds).
 * @example const t = new Timer(); work(); t.stop(); console.log(`${t.avg().toFixed(2)} sec`);
 */
export class Timer {
  readonly times: number[] = [];
  private started = 0;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.start();
  }

  /** Start the timer. */
  start(): void {
    this.started = this.now();
  }

  /** Stop the timer, record the time and return it in seconds. */
  stop(): number {
    const seconds = (this.now() - this.started) / 1000;
    this.times.push(seconds);
    return seconds;
  }

  /** Average recorded time (0 when none). */
  avg(): number {
    return this.times.length === 0 ? 0 : this.sum() / this.times.length;
  }

  /** Sum of the recorded times. */
  sum(): number {
    return this.times.reduce((a, b) => a + b, 0);
  }

  /** Running sums of the recorded times. */
  cumsum(): number[] {
    let total = 0;
    return this.times.map((t) => (total += t));
  }
}

/**
 * Number of correct predictions, as d2l's `accuracy`: `yHat` holds scores (N, C) or labels (N).
 * @example accuracy(nb.tensor([[0.1, 0.9], [0.8, 0.2]]), nb.tensor([1, 1], { dtype: "int32" })); // 1
 */
export function accuracy(yHat: Tensor, y: Tensor): number {
  return noGrad(() => {
    const pred = yHat.ndim > 1 && yHat.shape[1]! > 1 ? yHat.argmax(1) : yHat.reshape(-1);
    const target = y.reshape(-1);
    if (pred.shape[0] !== target.shape[0]) {
      throw new Error(
        `accuracy: ${pred.shape[0]} predictions (yHat shape [${yHat.shape}]) but ${target.shape[0]} labels (y shape [${y.shape}])`,
      );
    }
    const p = pred.data();
    const t = target.data();
    let correct = 0;
    for (let i = 0; i < p.length; i++) if (p[i] === t[i]) correct++;
    return correct;
  });
}

/** A batch as a data loader yields it: `[X, y]` (extra entries are ignored). */
export type Batch = readonly [Tensor, Tensor, ...unknown[]];

/** Batches, synchronous or asynchronous (a DataLoader is both). */
export type BatchIterable = Iterable<Batch> | AsyncIterable<Batch>;

/** The part of a model that evaluation needs: `forward` and, optionally, `eval()`/`train()` modes. */
export interface Predictor {
  forward(x: Tensor): Tensor;
  eval?(): unknown;
  train?(mode?: boolean): unknown;
  readonly training?: boolean;
}

/** Iterate a sync or async iterable with `for await` semantics. */
export async function* batches(iter: BatchIterable): AsyncGenerator<Batch> {
  if (Symbol.asyncIterator in iter) {
    yield* iter as AsyncIterable<Batch>;
  } else {
    yield* iter as Iterable<Batch>;
  }
}

/**
 * Accuracy of a model on a dataset, in eval mode and without recording gradients (d2l's `evaluate_accuracy_gpu`).
 * The model's previous mode is restored afterwards.
 * @example const testAcc = await evaluateAccuracy(net, testIter); // e.g. 0.81
 */
export async function evaluateAccuracy(net: Predictor, dataIter: BatchIterable): Promise<number> {
  const wasTraining = net.training;
  net.eval?.();
  const metric = new Accumulator(2); // correct predictions, predictions
  try {
    for await (const [X, y] of batches(dataIter)) {
      const correct = noGrad(() => accuracy(net.forward(X), y));
      metric.add(correct, y.numel());
    }
  } finally {
    if (wasTraining === true) net.train?.(true);
  }
  return metric.get(1) === 0 ? 0 : metric.get(0) / metric.get(1);
}
