/**
 * nabla's core, which runs anywhere JavaScript does (a browser, a web worker, Node): tensors,
 * autograd, ops, `nn`, `F`, `optim` and the model zoo, on the js backend. It is what `import "nabla"`
 * gives a bundler building for the browser (the `browser` condition of package.json's exports)
 * and what `import "nabla/core"` gives everywhere. The Node entry (src/index.ts) adds the native
 * backend, the machine's memory limit, files, datasets and training loops.
 * Example: `import * as nb from "nabla/core"; nb.randn([2, 3]).relu().sum().item();`
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
