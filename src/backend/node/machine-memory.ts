// The Node side of the tensor memory limit (src/tensor/memory.ts): the machine's memory, as this
// process may use it (a container's cgroup limit when there is one), and the memory free now.
// Node-only (node:os), which is why it lives in backend/node/ and not in src/tensor.
import { freemem, totalmem } from "node:os";
import type { MemoryLimit } from "../../tensor/memory.js";

/** The memory this process may use at most: the machine's, or its cgroup's limit when lower. */
export function machineMemoryBytes(): number {
  const total = totalmem();
  // process.constrainedMemory() (Node >= 19.6): the cgroup limit, 0 or a huge value when none.
  const constrained = (process as { constrainedMemory?: () => number }).constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < total ? constrained : total;
}

/**
 * The limits for this machine: no tensor larger than its memory, and none larger than what is
 * free now plus what the backend holds for reuse (`cached`). Example: `nb.setMemoryLimit(machineMemoryLimit())`.
 */
export function machineMemoryLimit(cached: () => number = () => 0): MemoryLimit {
  const totalBytes = machineMemoryBytes();
  return {
    totalBytes,
    // freemem() is Linux's MemAvailable (page cache that can be dropped counts as free).
    availableBytes: () => Math.min(totalBytes, freemem() + cached()),
  };
}
