// d2l's training loops: `trainEpoch` (train_epoch_ch3) and `train` (train_ch3 / train_ch6), with
// a progress bar, per-epoch curves and metrics files, atomic checkpoints after every epoch, and a
// clean stop when the loss stops being finite (the last good checkpoint is never overwritten).
import { noGrad } from "../autograd/grad-mode.js";
import { getRngState } from "../tensor/random.js";
import { device as toDevice, type Device } from "../tensor/storage.js";
import type { Tensor } from "../tensor/tensor.js";
import { LRScheduler } from "../optim/lr-scheduler.js";
import type { Optimizer } from "../optim/optimizer.js";
import {
  Accumulator,
  accuracy,
  batches,
  type BatchIterable,
  evaluateAccuracy,
  type Predictor,
  Timer,
} from "./metrics.js";
import type { MetricsRow } from "./plot.js";
import {
  curvesAnimator,
  prepareRunDirectory,
  type RunState,
  writeDerivedRunFiles,
  writeRunFiles,
} from "./run-dir.js";
import { ProgressBar, type ProgressStream } from "./progress.js";
import { defaultLoss, defaultOptimizer, xavierInit } from "./defaults.js";
import type { Loss, TrainableModel, Updater } from "./types.js";

export type { Loss, TrainableModel, Updater } from "./types.js";
export { RUN_FILES } from "./run-dir.js";

/** One epoch's numbers, as written to metrics.csv/json: `{ epoch: 1, train_loss: 0.9, train_acc: 0.67, test_acc: 0.71, ... }`. */
export interface EpochMetrics extends MetricsRow {
  epoch: number;
  train_loss: number;
  train_acc: number;
  test_acc: number;
  lr: number | null;
  /** Training time of the epoch (evaluation excluded), in seconds. */
  seconds: number;
  examples_per_sec: number;
}

/** Thrown when a batch's loss is NaN or infinite: the run diverged. */
export class NonFiniteLossError extends Error {
  constructor(
    message: string,
    readonly epoch: number,
    readonly batch: number,
    readonly loss: number,
  ) {
    super(message);
    this.name = "NonFiniteLossError";
  }
}

/** Options of `trainEpoch`, e.g. `{ epoch: 2, numEpochs: 10 }` (for the progress label). */
export interface TrainEpochOptions {
  /** 1-based epoch number for messages and the progress label. */
  epoch?: number;
  numEpochs?: number;
  /** Show a progress bar (default true): a bar on a terminal, plain lines otherwise. */
  progress?: boolean;
  stream?: ProgressStream;
  /** Learning rate, for the divergence message. */
  lr?: number;
}

/** What `trainEpoch` returns: mean loss and accuracy over the epoch's examples, e.g. `{ loss: 0.5, acc: 0.82, examples: 60000, seconds: 3.1 }`. */
export interface EpochResult {
  loss: number;
  acc: number;
  examples: number;
  seconds: number;
}

function callLoss(loss: Loss, yHat: Tensor, y: Tensor): Tensor {
  return typeof loss === "function" ? loss(yHat, y) : loss.forward(yHat, y);
}

function isOptimizer(u: Updater): u is Optimizer {
  return typeof u !== "function";
}

/** The learning rate of an optimizer's first param group, if it has one. */
export function currentLr(updater: Updater | undefined): number | undefined {
  if (!updater || !isOptimizer(updater)) return undefined;
  return updater.paramGroups[0]?.lr;
}

function lengthOf(iter: BatchIterable): number | undefined {
  const n = (iter as { length?: unknown }).length;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined;
}

function suggestLr(lr: number | undefined): string {
  if (lr === undefined) return "try a lower learning rate";
  const lower = Number((lr / 10).toPrecision(3));
  return `try a lower learning rate than ${lr} (e.g. --lr ${lower})`;
}

/**
 * Train for one epoch, as d2l's `train_epoch_ch3`: returns the mean training loss and accuracy.
 * Throws `NonFiniteLossError` as soon as a batch's loss is NaN or infinite.
 * @example const { loss, acc } = await trainEpoch(net, trainIter, new nn.CrossEntropyLoss(), opt);
 */
export async function trainEpoch(
  net: Predictor,
  trainIter: BatchIterable,
  loss: Loss,
  updater: Updater,
  options: TrainEpochOptions = {},
): Promise<EpochResult> {
  net.train?.(true);
  const metric = new Accumulator(3); // sum of losses, correct predictions, examples
  const total = lengthOf(trainIter);
  const label =
    options.epoch !== undefined
      ? `epoch ${options.epoch}${options.numEpochs ? `/${options.numEpochs}` : ""}`
      : undefined;
  const bar =
    options.progress !== false && total !== undefined
      ? new ProgressBar({ total, label, stream: options.stream })
      : undefined;
  const timer = new Timer();
  let batch = 0;
  try {
    for await (const [X, y] of batches(trainIter)) {
      batch++;
      const n = X.shape[0] ?? 1;
      const yHat = net.forward(X);
      const l = callLoss(loss, yHat, y);
      // A reduced loss is the batch mean (PyTorch's default); a per-example one is summed here.
      const lSum = noGrad(() => (l.numel() === 1 ? l.item() * n : l.sum().item()));
      if (!Number.isFinite(lSum)) {
        const lr = options.lr ?? currentLr(updater);
        throw new NonFiniteLossError(
          `train: the loss became ${lSum} at epoch ${options.epoch ?? "?"}, batch ${batch}${total ? `/${total}` : ""}: training diverged; ${suggestLr(lr)}`,
          options.epoch ?? 0,
          batch,
          lSum,
        );
      }
      if (isOptimizer(updater)) {
        updater.zeroGrad();
        (l.numel() === 1 ? l : l.mean()).backward();
        updater.step();
      } else {
        (l.numel() === 1 ? l.mul(n) : l.sum()).backward();
        updater(n);
      }
      metric.add(lSum, accuracy(yHat, y), y.numel());
      bar?.tick({
        loss: metric.get(0) / metric.get(2),
        acc: metric.get(1) / metric.get(2),
        examples: n,
      });
    }
  } finally {
    bar?.stop();
  }
  const seconds = timer.stop();
  const examples = metric.get(2);
  return {
    loss: examples === 0 ? Number.NaN : metric.get(0) / examples,
    acc: examples === 0 ? Number.NaN : metric.get(1) / examples,
    examples,
    seconds,
  };
}

/**
 * Options of `train`, e.g. `{ numEpochs: 10, lr: 0.9, init: "xavier", outDir: "runs/lenet" }`;
 * `M` is the model's type, which an `init` function receives.
 */
export interface TrainOptions<M extends TrainableModel = TrainableModel> {
  numEpochs: number;
  /** Learning rate of the default optimizer (SGD) when `optimizer` is not given; default 0.1. */
  lr?: number;
  /** An optimizer or a from-scratch updater; default `optim.SGD(net.parameters(), { lr })`. */
  optimizer?: Updater;
  /** Default `nn.CrossEntropyLoss()` (mean reduction, as d2l's train_ch6). */
  loss?: Loss;
  /** `"xavier"`: d2l's init_weights (xavier-uniform on every Linear and Conv2d weight); or your own function. */
  init?: "xavier" | ((net: M) => void);
  /** Only "cpu" exists today; named in the summary line. */
  device?: string | Device;
  /**
   * An LR scheduler stepped once per epoch after evaluation, e.g. `optim.lrScheduler.StepLR`.
   * ReduceLROnPlateau needs a metric: step it yourself in `onEpochEnd`.
   */
  scheduler?: LRScheduler;
  /** Epochs already done (when resuming); training runs epochs startEpoch+1..numEpochs. */
  startEpoch?: number;
  /** Metrics of the epochs already done (when resuming), so curves and files continue. */
  history?: readonly EpochMetrics[];
  /**
   * Write curves.svg/png, metrics.csv/json, checkpoint.safetensors and model.safetensors here
   * after every epoch. The directory is created and checked to be writable before training, and
   * temporary files that a killed run left there are removed. When resuming (`startEpoch` > 0),
   * model.safetensors, the metrics and the curves are first rewritten from the given state, so
   * that they agree with the checkpoint resumed from.
   */
  outDir?: string;
  /** Extra JSON-like data stored in each checkpoint (e.g. the run's options), beside the history. */
  checkpointExtra?: Record<string, unknown>;
  /** Write the plot every epoch (default true when `outDir` is set). */
  plot?: boolean;
  /** Called after each epoch (after its checkpoint is written). */
  onEpochEnd?: (metrics: EpochMetrics, history: readonly EpochMetrics[]) => void | Promise<void>;
  /** Progress bar per epoch (default true). */
  progress?: boolean;
  /** Where the progress bar goes (default process.stdout). */
  stream?: ProgressStream;
  /** Where the summary lines go (default console.log). */
  log?: (line: string) => void;
}

/** What `train` returns: the last epoch's numbers, the history and the throughput. */
export interface TrainResult {
  trainLoss: number;
  trainAcc: number;
  testAcc: number;
  examplesPerSec: number;
  history: EpochMetrics[];
  /** The two summary lines that were printed. */
  summary: [string, string];
  /** The files written in `outDir` (names, each once, in the order first written); [] without it. */
  files: string[];
}

/** The book's summary lines, e.g. `["loss 0.469, train acc 0.823, test acc 0.779", "55296.6 examples/sec on cpu"]`. */
export function summaryLines(
  m: { trainLoss: number; trainAcc: number; testAcc: number; examplesPerSec: number },
  device = "cpu",
): [string, string] {
  return [
    `loss ${m.trainLoss.toFixed(3)}, train acc ${m.trainAcc.toFixed(3)}, test acc ${m.testAcc.toFixed(3)}`,
    `${m.examplesPerSec.toFixed(1)} examples/sec on ${device}`,
  ];
}

/**
 * Train and evaluate a model, as d2l's `train_ch6` (and `train_ch3` with a from-scratch updater):
 * prints a progress bar per epoch and, at the end, the book's two summary lines. With `outDir`,
 * writes after every epoch an atomic checkpoint, the model's state dict, metrics and curves.
 * @example await train(net, trainIter, testIter, { numEpochs: 10, lr: 0.9, init: "xavier", outDir: "runs/lenet" });
 */
export async function train<M extends TrainableModel>(
  net: M,
  trainIter: BatchIterable,
  testIter: BatchIterable,
  options: TrainOptions<M>,
): Promise<TrainResult> {
  const { numEpochs } = options;
  if (!Number.isInteger(numEpochs) || numEpochs < 0)
    throw new Error(`train: numEpochs must be an integer >= 0, got ${numEpochs}`);
  const startEpoch = options.startEpoch ?? 0;
  if (!Number.isInteger(startEpoch) || startEpoch < 0)
    throw new Error(`train: startEpoch must be an integer >= 0, got ${startEpoch}`);
  const scheduler = options.scheduler;
  if (scheduler !== undefined && !(scheduler instanceof LRScheduler)) {
    const got = (scheduler as object)?.constructor?.name ?? typeof scheduler;
    throw new TypeError(
      `train: scheduler must be an epoch-stepped LR scheduler (optim.lrScheduler.StepLR, ...), got ${got}; step it with a metric in onEpochEnd if it needs one (ReduceLROnPlateau)`,
    );
  }
  const outDir = options.outDir;
  if (outDir !== undefined) prepareRunDirectory(outDir);
  const dev = toDevice(options.device ?? "cpu");
  const log = options.log ?? ((line: string) => console.log(line));
  if (options.init === "xavier") xavierInit(net);
  else if (typeof options.init === "function") options.init(net);
  const updater = options.optimizer ?? defaultOptimizer(net, options.lr ?? 0.1);
  const loss = options.loss ?? defaultLoss();
  const history: EpochMetrics[] = [...(options.history ?? [])];
  const animator = curvesAnimator(numEpochs, history);
  const files = new Set<string>();
  const runState = (epoch: number): RunState => ({
    model: net,
    optimizer: isOptimizer(updater) ? updater : undefined,
    scheduler,
    epoch,
    rngState: getRngState(),
    checkpointExtra: options.checkpointExtra,
    history,
    animator,
    plot: options.plot,
  });
  if (outDir !== undefined && startEpoch > 0) {
    // A kill between the last epoch's checkpoint and its other files left them behind it.
    for (const f of await writeDerivedRunFiles(outDir, runState(startEpoch))) files.add(f);
  }

  let examples = 0;
  let seconds = 0;
  for (let epoch = startEpoch + 1; epoch <= numEpochs; epoch++) {
    const lr = currentLr(updater) ?? options.lr;
    const r = await trainEpoch(net, trainIter, loss, updater, {
      epoch,
      numEpochs,
      progress: options.progress,
      stream: options.stream,
      lr,
    });
    const testAcc = await evaluateAccuracy(net, testIter);
    scheduler?.step();
    examples += r.examples;
    seconds += r.seconds;
    const m: EpochMetrics = {
      epoch,
      train_loss: r.loss,
      train_acc: r.acc,
      test_acc: testAcc,
      lr: lr ?? null,
      seconds: r.seconds,
      examples_per_sec: r.seconds > 0 ? r.examples / r.seconds : 0,
    };
    history.push(m);
    animator.add(epoch, [m.train_loss, m.train_acc, m.test_acc]);
    if (outDir !== undefined)
      for (const f of await writeRunFiles(outDir, runState(epoch))) files.add(f);
    await options.onEpochEnd?.(m, history);
  }
  const last = history[history.length - 1];
  const result = {
    trainLoss: last?.train_loss ?? Number.NaN,
    trainAcc: last?.train_acc ?? Number.NaN,
    testAcc: last?.test_acc ?? Number.NaN,
    // With no epoch left to run, every number is the last epoch's, its throughput too.
    examplesPerSec: seconds > 0 ? examples / seconds : (last?.examples_per_sec ?? 0),
  };
  const summary = summaryLines(result, dev.toString());
  for (const line of summary) log(line);
  return { ...result, history, summary, files: [...files] };
}
