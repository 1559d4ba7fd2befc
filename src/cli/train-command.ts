// `nabla train <model>`: build the model and data, resume from a checkpoint if asked, train
// with per-epoch atomic checkpoints, and report where everything was written.
import { dirname, join, resolve } from "node:path";
import { noGrad } from "../autograd/grad-mode.js";
import { readCheckpoint, loadCheckpoint } from "../io/checkpoint.js";
import { zeros } from "../tensor/creation.js";
import { manualSeed, setRngState } from "../tensor/random.js";
import {
  NonFiniteLossError,
  RUN_FILES,
  train,
  type EpochMetrics,
  type Optimizer,
  type TrainableModel,
} from "../train/trainer.js";
import { makeLoaders, parseDataset } from "./data.js";
import { makeOptimizer } from "./optimizers.js";
import { getModel, type ModelEntry } from "./zoo.js";

/** Everything needed to rebuild a run; stored in each checkpoint under `extra.run`. */
export interface RunConfig {
  model: string;
  dataset: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: "sgd" | "adam";
  /** Images are resized to resize x resize; undefined keeps 28 x 28. */
  resize?: number;
  seed: number;
  limit?: number;
  numClasses: number;
  inChannels: number;
}

/** The options of `nabla train` as commander parses them (undefined when not given). */
export interface TrainCliOptions {
  dataset?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: string;
  resize?: number;
  seed?: number;
  out?: string;
  resume?: string;
  limit?: number;
  progress?: boolean;
  plot?: boolean;
}

/** `plural(1, "epoch") === "1 epoch"`, `plural(2, "epoch") === "2 epochs"`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** `runs/<model>-YYYYMMDD-HHMMSS`, the default output directory. */
export function defaultOutDir(model: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return join("runs", `${model}-${stamp}`);
}

function checkOptimizer(value: string): "sgd" | "adam" {
  const v = value.toLowerCase();
  if (v !== "sgd" && v !== "adam")
    throw new Error(`--optimizer: expected sgd or adam, got "${value}"`);
  return v;
}

/** The run's configuration: the model's book defaults, overridden by the command line. */
export function resolveConfig(entry: ModelEntry, o: TrainCliOptions): RunConfig {
  const d = entry.defaults;
  return {
    model: entry.name,
    dataset: o.dataset ?? "fashion-mnist",
    epochs: o.epochs ?? d.epochs,
    batchSize: o.batchSize ?? d.batchSize,
    lr: o.lr ?? d.lr,
    optimizer: checkOptimizer(o.optimizer ?? d.optimizer),
    resize: o.resize ?? d.resize,
    seed: o.seed ?? 0,
    limit: o.limit,
    numClasses: 10,
    inChannels: 1,
  };
}

/** Read `extra.run` of a checkpoint, checking it is a run config. */
export function runConfigOf(path: string, extra: unknown): RunConfig {
  const run = (extra as { run?: RunConfig } | undefined)?.run;
  if (!run || typeof run.model !== "string")
    throw new Error(`${path}: not a \`nabla train\` checkpoint (it has no run configuration)`);
  return run;
}

/**
 * Build a model and run one forward pass on a zero batch in eval mode, so that lazy layers get
 * their shapes before the optimizer collects parameters or a state dict is loaded.
 */
export function buildModel(config: RunConfig): TrainableModel & { toString(): string } {
  const entry = getModel(config.model);
  const net = entry.build({ numClasses: config.numClasses, inChannels: config.inChannels });
  const side = config.resize ?? 28;
  noGrad(() => {
    const wasTraining = net.training;
    net.eval?.();
    net.forward(zeros([1, config.inChannels, side, side]));
    if (wasTraining !== false) net.train?.(true);
  });
  return net;
}

/** What a finished `nabla train` reports (for tests and scripts). */
export interface TrainRunResult {
  outDir: string;
  config: RunConfig;
  history: EpochMetrics[];
}

/**
 * Run `nabla train <model>` with parsed options; `explicit` tells which options the user typed
 * (only those may override a resumed run's configuration).
 * @example await runTrain("softmax", { epochs: 1, limit: 2000 }, new Set(["epochs", "limit"]));
 */
export async function runTrain(
  modelName: string,
  options: TrainCliOptions,
  explicit: ReadonlySet<string>,
  log: (line: string) => void = (line) => console.log(line),
): Promise<TrainRunResult> {
  let config: RunConfig;
  let resume: ReturnType<typeof readCheckpoint> | undefined;
  if (options.resume !== undefined) {
    resume = readCheckpoint(options.resume);
    const saved = runConfigOf(options.resume, resume.extra);
    if (saved.model !== getModel(modelName).name)
      throw new Error(
        `--resume: ${options.resume} is a checkpoint of "${saved.model}", not "${modelName}"`,
      );
    const fixed = ["dataset", "batchSize", "optimizer", "resize", "seed", "limit"] as const;
    for (const key of fixed) {
      if (explicit.has(key) && options[key] !== saved[key])
        throw new Error(
          `--resume: cannot change --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} of a run (the checkpoint has ${String(saved[key])}, got ${String(options[key])})`,
        );
    }
    config = {
      ...saved,
      epochs: explicit.has("epochs") ? options.epochs! : saved.epochs,
      lr: explicit.has("lr") ? options.lr! : saved.lr,
    };
  } else {
    config = resolveConfig(getModel(modelName), options);
  }
  const outDir =
    options.out ?? (options.resume ? dirname(options.resume) : defaultOutDir(config.model));

  manualSeed(config.seed);
  const entry = getModel(config.model);
  const choice = parseDataset(config.dataset);
  const loaders = makeLoaders(choice, {
    batchSize: config.batchSize,
    resize: config.resize,
    limit: config.limit,
    seed: config.seed,
  });
  const net = buildModel(config);
  const optimizer: Optimizer = makeOptimizer(config.optimizer, net, config.lr);
  let history: EpochMetrics[] = [];
  let startEpoch = 0;
  if (resume && options.resume) {
    const data = loadCheckpoint(options.resume, { model: net, optimizer: optimizer as never });
    if (explicit.has("lr"))
      for (const g of optimizer.paramGroups ?? []) (g as { lr: number }).lr = config.lr;
    startEpoch = data.epoch;
    history = ((data.extra as { history?: EpochMetrics[] }).history ?? []).slice(0, startEpoch);
    if (data.rngState) setRngState(data.rngState);
  }
  const counts = `${loaders.train.dataset.length} train / ${loaders.test.dataset.length} test`;
  const [, h, w] = loaders.imageShape;
  log(
    `${resume ? `resuming ${options.resume} at epoch ${startEpoch + 1}: ` : ""}training ${config.model} on ${config.dataset} (${counts}, ${h}x${w}) for ${plural(config.epochs, "epoch")}, batch ${config.batchSize}, ${config.optimizer} lr ${config.lr}, seed ${config.seed} -> ${outDir}`,
  );
  if (startEpoch >= config.epochs)
    log(
      `nothing to do: the checkpoint has ${plural(startEpoch, "epoch")} (--epochs ${config.epochs})`,
    );
  try {
    const result = await train(net, loaders.train, loaders.test, {
      numEpochs: config.epochs,
      optimizer,
      init: resume ? undefined : entry.defaults.init,
      startEpoch,
      history,
      outDir,
      checkpointExtra: { run: config },
      progress: options.progress !== false,
      plot: options.plot !== false,
      log,
    });
    const files: string[] = [RUN_FILES.model, RUN_FILES.metricsCsv, RUN_FILES.metricsJson];
    if (options.plot !== false) files.push(`${RUN_FILES.curves}.svg`, `${RUN_FILES.curves}.png`);
    log(`wrote ${RUN_FILES.checkpoint}, ${files.join(", ")} in ${resolve(outDir)}`);
    return { outDir, config, history: result.history };
  } catch (e) {
    if (e instanceof NonFiniteLossError) {
      const good = e.epoch - 1;
      const ckpt = good > startEpoch ? join(outDir, RUN_FILES.checkpoint) : options.resume;
      const kept =
        good >= 1 && ckpt !== undefined
          ? `the last good checkpoint is kept: ${ckpt} (epoch ${good})`
          : "no checkpoint was written";
      throw new Error(`${e.message}. Stopped; ${kept}.`, { cause: e });
    }
    throw e;
  }
}

/**
 * Rebuild the model of a `nabla train` checkpoint and load its weights (strictly: a mismatch
 * lists every missing, unexpected and wrong-shaped tensor). A plain state dict (e.g. saved by
 * PyTorch) has no run configuration: `model` names the architecture then, with its defaults.
 * @example const { net, config, epoch } = modelFromCheckpoint("runs/lenet/checkpoint.safetensors");
 */
export function modelFromCheckpoint(
  path: string,
  model?: string,
): {
  net: TrainableModel & { toString(): string };
  config: RunConfig;
  epoch: number;
} {
  const data = readCheckpoint(path);
  const hasRun = (data.extra as { run?: unknown } | undefined)?.run !== undefined;
  let config: RunConfig;
  if (hasRun) {
    config = runConfigOf(path, data.extra);
    if (model !== undefined && getModel(model).name !== config.model)
      throw new Error(`--model: ${path} is a checkpoint of "${config.model}", not "${model}"`);
  } else if (model !== undefined) {
    config = resolveConfig(getModel(model), {});
  } else {
    throw new Error(
      `${path} has no run configuration (not written by \`nabla train\`): name its architecture with --model <name>`,
    );
  }
  const net = buildModel(config);
  try {
    net.loadStateDict(data.model, { strict: true });
  } catch (e) {
    throw new Error(`loadCheckpoint: ${path}: the model does not match: ${(e as Error).message}`, {
      cause: e,
    });
  }
  net.eval?.();
  return { net, config, epoch: data.epoch };
}
