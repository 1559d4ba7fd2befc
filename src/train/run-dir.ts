// A run directory: what `train` writes into `outDir` after every epoch, and how it is prepared.
// The checkpoint is written first (it is what resuming needs); the other files are derived from
// it: the model's state dict, the metrics and the curves. A kill between those writes leaves the
// derived files one epoch behind, so a resumed run rewrites them before it trains.
import { join } from "node:path";
import { checkWritableDirectory, makeDirectory, removeStaleTempFiles } from "../io/files.js";
import { saveCheckpoint, type CheckpointStateful } from "../io/checkpoint.js";
import { saveStateDict, type StateDictLike } from "../io/state-dict.js";
import { Animator, writeMetricsCsv, writeMetricsJson, type MetricsRow } from "./plot.js";

/** Names of the files `train` writes in `outDir`, e.g. `join(outDir, RUN_FILES.checkpoint)`. */
export const RUN_FILES = {
  checkpoint: "checkpoint.safetensors",
  model: "model.safetensors",
  metricsCsv: "metrics.csv",
  metricsJson: "metrics.json",
  curves: "curves",
} as const;

/** Every file name of a run directory (the curves as their SVG and PNG), e.g. `RUN_FILE_NAMES[0] === "checkpoint.safetensors"`. */
export const RUN_FILE_NAMES: readonly string[] = [
  RUN_FILES.checkpoint,
  RUN_FILES.model,
  RUN_FILES.metricsCsv,
  RUN_FILES.metricsJson,
  `${RUN_FILES.curves}.svg`,
  `${RUN_FILES.curves}.png`,
];

/**
 * Make `outDir` ready before any training: create it (and its parents), check that files can be
 * written there, and remove the temporary files that a killed run left behind (full-size copies
 * of a checkpoint, `checkpoint.safetensors.tmp-<pid>-<hex>`). Returns the removed files' names.
 * @example prepareRunDirectory("runs/lenet-1"); // []
 */
export function prepareRunDirectory(outDir: string, what = "train: outDir"): string[] {
  if (typeof outDir !== "string" || outDir.trim() === "")
    throw new Error(`${what} must name a directory, got ${JSON.stringify(outDir)}`);
  try {
    makeDirectory(outDir);
    checkWritableDirectory(outDir);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
  }
  return removeStaleTempFiles(outDir, RUN_FILE_NAMES);
}

/**
 * The curves of a run (train loss, train acc, test acc per epoch) over epochs 1..numEpochs.
 * @example await curvesAnimator(10, history).save("runs/lenet/curves");
 */
export function curvesAnimator(
  numEpochs: number,
  history: readonly { epoch: number; train_loss: number; train_acc: number; test_acc: number }[],
): Animator {
  const animator = new Animator({
    xlabel: "epoch",
    xlim: [1, Math.max(numEpochs, 2)],
    legend: ["train loss", "train acc", "test acc"],
  });
  for (const m of history) animator.add(m.epoch, [m.train_loss, m.train_acc, m.test_acc]);
  return animator;
}

/** The state that the files of a run directory are written from. */
export interface RunState {
  model: { stateDict(): StateDictLike };
  optimizer?: CheckpointStateful;
  scheduler?: CheckpointStateful;
  epoch: number;
  rngState: readonly number[];
  /** Stored in the checkpoint beside the history, e.g. `{ run: config }`. */
  checkpointExtra?: Record<string, unknown>;
  history: readonly MetricsRow[];
  animator: Animator;
  /** Write curves.svg and curves.png (default true). */
  plot?: boolean;
}

/**
 * Write the files derived from a run's state: model.safetensors, metrics.csv/json and the curves.
 * Returns the names of the files written, in order.
 * @example await writeDerivedRunFiles("runs/lenet", state); // ["model.safetensors", ...]
 */
export async function writeDerivedRunFiles(outDir: string, state: RunState): Promise<string[]> {
  saveStateDict(join(outDir, RUN_FILES.model), state.model.stateDict());
  writeMetricsCsv(join(outDir, RUN_FILES.metricsCsv), state.history);
  writeMetricsJson(join(outDir, RUN_FILES.metricsJson), state.history);
  const written: string[] = [RUN_FILES.model, RUN_FILES.metricsCsv, RUN_FILES.metricsJson];
  if (state.plot !== false) {
    await state.animator.save(join(outDir, RUN_FILES.curves));
    written.push(`${RUN_FILES.curves}.svg`, `${RUN_FILES.curves}.png`);
  }
  return written;
}

/**
 * After an epoch: the checkpoint first (what resuming needs), then the derived files.
 * Returns the names of the files written, in order.
 * @example await writeRunFiles("runs/lenet", state); // ["checkpoint.safetensors", "model.safetensors", ...]
 */
export async function writeRunFiles(outDir: string, state: RunState): Promise<string[]> {
  saveCheckpoint(join(outDir, RUN_FILES.checkpoint), {
    model: state.model.stateDict(),
    optimizer: state.optimizer,
    scheduler: state.scheduler,
    epoch: state.epoch,
    rngState: state.rngState,
    extra: { ...state.checkpointExtra, history: state.history },
  });
  return [RUN_FILES.checkpoint, ...(await writeDerivedRunFiles(outDir, state))];
}
