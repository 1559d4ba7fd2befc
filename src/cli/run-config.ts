// The configuration of a `nabla train` run, as the command line gives it and as each checkpoint
// stores it (`extra.run`), with the checks a checkpoint's copy goes through: a checkpoint is a
// file, and every field read back from it is checked before it is used.
import { join } from "node:path";
import { readCheckpoint, type CheckpointData } from "../io/checkpoint.js";
import { find, list, type ModelEntry } from "../models/registry.js";
import { describeValue as describe, isRecord } from "../tensor/describe.js";

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

/**
 * The zoo's model called `name` (case-insensitive); an unknown name lists the known ones.
 * @example getModel("lenet").defaults.lr; // 0.9
 */
export function getModel(name: string): ModelEntry {
  const entry = find(name);
  if (entry === undefined) throw new Error(unknownModel(name));
  return entry;
}

function unknownModel(name: string): string {
  const known = list().map((m) => m.name);
  return `unknown model "${name}"; known models: ${known.join(", ")}`;
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

const positiveInt = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 1;

/** Each field of a run configuration: is its value acceptable, and what it must be. */
const RUN_FIELDS: [keyof RunConfig, (v: unknown) => boolean, string][] = [
  ["dataset", (v) => typeof v === "string" && v.trim() !== "", "a dataset name or directory"],
  ["epochs", positiveInt, "a positive integer"],
  ["batchSize", positiveInt, "a positive integer"],
  ["lr", (v) => typeof v === "number" && Number.isFinite(v) && v > 0, "a positive number"],
  ["optimizer", (v) => v === "sgd" || v === "adam", '"sgd" or "adam"'],
  ["resize", (v) => v === undefined || positiveInt(v), "a positive integer (or absent)"],
  ["seed", (v) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0, "an integer >= 0"],
  ["limit", (v) => v === undefined || positiveInt(v), "a positive integer (or absent)"],
  ["numClasses", positiveInt, "a positive integer"],
  ["inChannels", positiveInt, "a positive integer"],
];

/**
 * The problems of a run configuration read from a checkpoint, each naming its field.
 * @example runConfigProblems({ ...config, limit: -5 }); // ["run.limit must be a positive integer (or absent), got -5"]
 */
export function runConfigProblems(run: unknown): string[] {
  if (!isRecord(run)) return [`run must be an object, got ${describe(run)}`];
  const field = (k: string) => (Object.hasOwn(run, k) ? run[k] : undefined);
  const problems: string[] = [];
  const model = field("model");
  if (typeof model !== "string")
    problems.push(`run.model must be a model name, got ${describe(model)}`);
  else if (find(model) === undefined) {
    problems.push(`run.model: ${unknownModel(model)}`);
  }
  for (const [key, ok, what] of RUN_FIELDS) {
    const v = field(key);
    if (!ok(v)) problems.push(`run.${key} must be ${what}, got ${describe(v)}`);
  }
  return problems;
}

/** The problems of a checkpoint's metrics history, which must hold the rows of epochs 1..epoch. */
function historyProblems(history: unknown, epoch: number): string[] {
  if (!Array.isArray(history))
    return [`history must be an array of rows, got ${describe(history)}`];
  if (history.length < epoch)
    return [`history has ${history.length} rows but the checkpoint is at epoch ${epoch}`];
  for (let i = 0; i < epoch; i++) {
    const row: unknown = history[i];
    const rowEpoch = isRecord(row) && Object.hasOwn(row, "epoch") ? row["epoch"] : undefined;
    if (rowEpoch !== i + 1)
      return [
        `history[${i}] must be the row of epoch ${i + 1}, got ${isRecord(row) ? `epoch ${describe(rowEpoch)}` : describe(row)}`,
      ];
  }
  return [];
}

/**
 * Read a checkpoint written by `nabla train` (or, when `runRequired` is false, any checkpoint or
 * plain state dict), checking its run configuration and history with the rest of its metadata:
 * one error names every bad field.
 * @example const data = readRunCheckpoint("runs/lenet/checkpoint.safetensors", true);
 */
export function readRunCheckpoint(path: string, runRequired: boolean): CheckpointData {
  return readCheckpoint(path, {
    checkExtra: (extra, epoch) => {
      const hasRun = isRecord(extra) && Object.hasOwn(extra, "run");
      if (!hasRun)
        return runRequired
          ? ["it has no run configuration (extra.run): it was not written by `nabla train`"]
          : [];
      const problems = runConfigProblems(extra["run"]);
      if (runRequired) problems.push(...historyProblems(extra["history"], epoch));
      return problems;
    },
  });
}

/**
 * The run configuration of a checkpoint read by `readRunCheckpoint`, or undefined if it has none.
 * @example runConfigOf(readRunCheckpoint("runs/lenet/checkpoint.safetensors", true))!.lr; // 0.9
 */
export function runConfigOf(data: CheckpointData): RunConfig | undefined {
  const extra = data.extra;
  return isRecord(extra) && Object.hasOwn(extra, "run") ? (extra["run"] as RunConfig) : undefined;
}
