// The active backend. The core starts on the js reference backend and imports nothing of Node,
// so it also runs in a browser; on Node the package entry (src/index.ts) first imports
// ./node/setup.ts, which makes the native addon the active backend when it loads and sets the
// machine's memory limit.
import type { Backend } from "./backend.js";
import { jsBackend } from "./js/index.js";

export type { Backend, BinaryOp, ReduceOp, UnaryGradOp, UnaryOp, View } from "./backend.js";
export { jsBackend };

let active: Backend = jsBackend;

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
