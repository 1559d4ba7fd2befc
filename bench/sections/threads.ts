// Thread counts of the two sides: nabla's native pool (NABLA_NUM_THREADS or the core count) and
// PyTorch's intra-op threads (set per request to the same count).
import { availableParallelism } from "node:os";
import { loadNativeAddon } from "../../src/backend/native/addon.js";

const addon = loadNativeAddon();
// Read once, before any section resizes the pool.
const defaultPool = addon?.getNumThreads() ?? 1;

/** nabla's thread count when nothing overrides it (1 on the js backend). */
export const nablaThreads = (): number => defaultPool;

/** The thread count "all threads" rows give PyTorch: the cores this process may use. */
export const allCores = (): number => availableParallelism();

/** Runs `fn` with nabla's pool resized to `n` threads (0: the default), then restores it. */
export async function withNablaThreads<T>(n: number, fn: () => T | Promise<T>): Promise<T> {
  addon?.setNumThreads(n);
  try {
    return await fn();
  } finally {
    addon?.setNumThreads(0);
  }
}

/** The SIMD level of nabla's GEMM micro-kernel, or "none" on the js backend. */
export const nablaSimd = (): string => addon?.simdLevel() ?? "none (js backend)";
