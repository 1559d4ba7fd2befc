/**
 * nabla: PyTorch's programming model for TypeScript. This is the Node entry: the core
 * (src/core.ts) plus the native backend, the machine's memory limit, files, datasets and
 * training loops. Example: `import * as nb from "nabla"; const x = nb.randn([2, 3], { requiresGrad: true });`
 */
// First, before the core runs anything: the native backend and the memory limit (Node only).
import "./backend/node/setup.js";

export * from "./core.js";
export * as data from "./data/index.js";
export { loadDataFashionMnist } from "./data/vision.js";
export {
  loadStateDict,
  rawToTensor,
  saveStateDict,
  tensorToRaw,
  type SaveStateDictOptions,
} from "./io/state-dict.js";
export {
  loadCheckpoint,
  readCheckpoint,
  saveCheckpoint,
  type CheckpointContents,
  type CheckpointData,
} from "./io/checkpoint.js";
export { loadSafetensors, saveSafetensors, writeFileAtomic } from "./io/files.js";
export { parseSafetensors, serializeSafetensors, type RawTensor } from "./io/safetensors.js";
export { Accumulator, accuracy, evaluateAccuracy, Timer } from "./train/metrics.js";
export {
  NonFiniteLossError,
  train,
  trainEpoch,
  type EpochMetrics,
  type TrainOptions,
  type TrainResult,
} from "./train/trainer.js";
export { Animator, writeMetricsCsv, writeMetricsJson, writePlot } from "./train/plot.js";
export { ProgressBar } from "./train/progress.js";
