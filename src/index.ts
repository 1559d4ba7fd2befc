/**
 * nabla: PyTorch's programming model for TypeScript.
 * Example: `import * as nb from "nabla"; const x = nb.randn([2, 3], { requiresGrad: true });`
 */
import "./ops/index.js";

export * from "./tensor/creation.js";
export type { DType, TypedArray } from "./tensor/dtype.js";
export { getRngState, Generator, manualSeed, setRngState } from "./tensor/random.js";
export { cpu, Device, device, tryAllGpus, tryGpu } from "./tensor/storage.js";
export {
  getMemoryLimit,
  MemoryLimitError,
  setMemoryLimit,
  type MemoryLimit,
} from "./tensor/memory.js";
export { Tensor, type NestedArray } from "./tensor/tensor.js";
export { getBackend, jsBackend, setBackend, type Backend } from "./backend/index.js";
export { grad, type BackwardCallOptions, type BackwardOptions } from "./autograd/engine.js";
export { onOp } from "./autograd/function.js";
export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from "./autograd/grad-mode.js";
export { gradcheck, gradcheckReport, type GradcheckOptions } from "./autograd/gradcheck.js";
export * from "./ops/index.js";
export * as nn from "./nn/index.js";
export * as F from "./nn/functional.js";
export * as optim from "./optim/index.js";
export * as models from "./models/index.js";
export { summary, type Summary, type SummaryRow } from "./models/summary.js";
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
