// `nabla train <model>`: build the model and data, resume from a checkpoint if asked, train
// with per-epoch atomic checkpoints, and report where everything was written.
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { noGrad } from "../autograd/grad-mode.js";
import { loadCheckpoint } from "../io/checkpoint.js";
import { writeFileAtomic } from "../io/files.js";
import type { Module } from "../nn/module.js";
import type { Optimizer } from "../optim/optimizer.js";
import { zeros } from "../tensor/creation.js";
import { manualSeed, setRngState } from "../tensor/random.js";
import { prepareRunDirectory } from "../train/run-dir.js";
import { NonFiniteLossError, RUN_FILES, train, type EpochMetrics } from "../train/trainer.js";
import { makeLoaders, parseDataset } from "./data.js";
import { makeOptimizer } from "./optimizers.js";
import {
  defaultOutDir,
  getModel,
  readRunCheckpoint,
  resolveConfig,
  runConfigOf,
  type RunConfig,
  type TrainCliOptions,
} from "./run-config.js";

export {
  defaultOutDir,
  resolveConfig,
  runConfigProblems,
  type RunConfig,
  type TrainCliOptions,
} from "./run-config.js";

/** `plural(1, "epoch") === "1 epoch"`, `plural(2, "epoch") === "2 epochs"`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Build a model and run one forward pass on a zero batch in eval mode, so that lazy layers get
 * their shapes before the optimizer collects parameters or a state dict is loaded.
 */
export function buildModel(config: RunConfig): Module {
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
  for (const key of ["out", "resume"] as const) {
    const value = options[key];
    if (value !== undefined && value.trim() === "")
      throw new Error(`--${key}: expected a path, got ${JSON.stringify(value)}`);
  }
  let config: RunConfig;
  let resume: ReturnType<typeof readRunCheckpoint> | undefined;
  if (options.resume !== undefined) {
    resume = readRunCheckpoint(options.resume, true);
    const saved = runConfigOf(resume)!;
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
  // Before any data is loaded or epoch trained: an unusable directory is found at once.
  const removed = prepareRunDirectory(
    outDir,
    options.out !== undefined ? "--out" : "the output directory",
  );
  if (removed.length > 0)
    log(`removed temporary files left by an interrupted run: ${removed.join(", ")}`);

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
  const copied: string[] = [];
  if (resume && options.resume) {
    const data = loadCheckpoint(options.resume, { model: net, optimizer });
    if (explicit.has("lr")) for (const g of optimizer.paramGroups) g.lr = config.lr;
    startEpoch = data.epoch;
    history = ((data.extra as { history: EpochMetrics[] }).history ?? []).slice(0, startEpoch);
    if (data.rngState) setRngState(data.rngState);
    // Resuming into another directory: it starts as a full copy of the run at the checkpoint.
    const target = join(outDir, RUN_FILES.checkpoint);
    if (!sameFile(options.resume, target)) {
      writeFileAtomic(target, readFileSync(options.resume));
      copied.push(RUN_FILES.checkpoint);
    }
  }
  const counts = `${loaders.train.dataset.length} train / ${loaders.test.dataset.length} test`;
  const [, h, w] = loaders.imageShape;
  log(
    `${resume ? `resuming ${options.resume} at epoch ${startEpoch + 1}: ` : ""}training ${config.model} on ${config.dataset} (${counts}, ${h}x${w}) for ${plural(config.epochs, "epoch")}, batch ${config.batchSize}, ${config.optimizer} lr ${config.lr}, seed ${config.seed} -> ${outDir}`,
  );
  const nothingToDo = startEpoch >= config.epochs;
  if (nothingToDo)
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
    // Only what was written: when resuming, train() first rewrites the files derived from the
    // checkpoint (a kill during an epoch's writes can leave them behind it).
    const files = [...new Set([...copied, ...result.files])];
    log(
      nothingToDo
        ? `wrote ${files.join(", ")} from the checkpoint (epoch ${startEpoch}) in ${resolve(outDir)}`
        : `wrote ${files.join(", ")} in ${resolve(outDir)}`,
    );
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

/** Whether two paths name the same file (false when either does not exist). */
function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
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
  net: Module;
  config: RunConfig;
  epoch: number;
} {
  const data = readRunCheckpoint(path, false);
  const saved = runConfigOf(data);
  let config: RunConfig;
  if (saved) {
    config = saved;
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
