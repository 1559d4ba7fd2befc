import type { Backend } from "./backend.js";
import { jsBackend } from "./js/index.js";
import { setMemoryLimit } from "../tensor/memory.js";
import { machineMemoryLimit } from "./machine-memory.js";
import { nativeBackend } from "./native/index.js";

export type { Backend, BinaryOp, ReduceOp, UnaryGradOp, UnaryOp, View } from "./backend.js";
export { jsBackend };

// The native addon when it was built (NABLA_BACKEND=js|native forces a choice), else the reference.
let active: Backend = nativeBackend() ?? jsBackend;

// Tensors larger than the machine's memory (or than what is free, the active backend's pool
// counted as free) are refused with an error instead of being filled until the OS kills the process.
setMemoryLimit(machineMemoryLimit(() => active.cachedBytes?.() ?? 0));

/** The backend that ops run on. Example: `nb.getBackend().name` is `"native"` or `"js"`. */
export function getBackend(): Backend {
  return active;
}

/**
 * Makes `backend` the active one. Kernels it lacks fall back to the js reference kernels.
 * Example: `nb.setBackend(nb.jsBackend)`.
 */
export function setBackend(backend: Partial<Backend> & { name: string }): Backend {
  active = { ...jsBackend, ...backend } as Backend;
  return active;
}
