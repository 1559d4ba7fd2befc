// The memory a tensor may take. A typed array larger than the machine's memory is not refused by
// JavaScript: its pages are mapped lazily, so `nb.ones([65536, 65536])` starts filling 16 GiB
// and the operating system kills the process part way. Every tensor allocation is checked here
// first, against limits the host sets: the Node side gives the machine's memory (src/backend's
// machine-memory.ts), a browser host may give its own; with no limit set nothing is checked.
// This file uses no Node module, so the tensor layer still runs in a browser.

/** The limits `checkAllocation` enforces. Example: `nb.setMemoryLimit({ totalBytes: 2 ** 30 })`. */
export interface MemoryLimit {
  /** No tensor may take more bytes than this (the machine's memory). */
  totalBytes: number;
  /** The bytes that can be allocated now (free memory); asked only for large allocations. */
  availableBytes?: () => number;
  /** Allocations from this many bytes on are checked against `availableBytes` (default 256 MiB). */
  checkAvailableFrom?: number;
}

const BYTES_PER: Record<string, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
const DEFAULT_CHECK_AVAILABLE_FROM = 256 * 2 ** 20;

let limit: MemoryLimit | null = null;

/**
 * Sets the memory limits of tensor allocations (null: none) and returns the previous ones. Node
 * sets the machine's memory when nabla loads. Example: `const old = nb.setMemoryLimit({ totalBytes: 1e9 })`.
 */
export function setMemoryLimit(next: MemoryLimit | null): MemoryLimit | null {
  if (next !== null && !(next.totalBytes > 0))
    throw new RangeError(
      `setMemoryLimit: totalBytes must be a positive number, got ${next.totalBytes}`,
    );
  const previous = limit;
  limit = next;
  return previous;
}

/** The limits in force, or null. Example: `nb.getMemoryLimit()?.totalBytes`. */
export function getMemoryLimit(): MemoryLimit | null {
  return limit;
}

/** A tensor allocation refused by the memory limit: names the op, the shape and both sizes. */
export class MemoryLimitError extends RangeError {
  constructor(
    readonly op: string | null,
    readonly shape: readonly number[] | null,
    readonly dtype: string,
    readonly bytes: number,
    readonly limitBytes: number,
    readonly what: string,
  ) {
    super(memoryMessage(op, shape, dtype, bytes, limitBytes, what));
    this.name = "MemoryLimitError";
  }

  /** The same error attributed to `op` (the dispatch point knows the op; the allocator does not). */
  withOp(op: string): MemoryLimitError {
    if (this.op !== null) return this;
    return new MemoryLimitError(op, this.shape, this.dtype, this.bytes, this.limitBytes, this.what);
  }
}

/** Bytes as a short readable size. Example: `formatBytes(17179869184) === "16 GiB"`. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${Number(v.toFixed(v < 10 ? 2 : 1))} ${units[u]}`;
}

function memoryMessage(
  op: string | null,
  shape: readonly number[] | null,
  dtype: string,
  bytes: number,
  limitBytes: number,
  what: string,
): string {
  const tensor =
    shape === null ? `a ${dtype} tensor` : `a ${dtype} tensor of shape [${shape.join(",")}]`;
  return `${op ?? "allocation"}: ${tensor} needs ${formatBytes(bytes)} (${bytes} bytes), more than ${what} (${formatBytes(limitBytes)}, ${limitBytes} bytes)`;
}

/**
 * Throws a `MemoryLimitError` when a tensor of `numel` elements of `dtype` would not fit the
 * limits. `op` and `shape` are for the message (null when the caller does not know them).
 * Example: `checkAllocation("ones", [2, 3], "float32", 6)`.
 */
export function checkAllocation(
  op: string | null,
  shape: readonly number[] | null,
  dtype: string,
  numel: number,
): void {
  if (limit === null) return;
  const bytes = numel * (BYTES_PER[dtype] ?? 8);
  if (
    bytes <= limit.totalBytes &&
    bytes < (limit.checkAvailableFrom ?? DEFAULT_CHECK_AVAILABLE_FROM)
  )
    return;
  if (bytes > limit.totalBytes)
    throw new MemoryLimitError(op, shape, dtype, bytes, limit.totalBytes, "this machine's memory");
  const available = limit.availableBytes?.();
  if (available !== undefined && bytes > available)
    throw new MemoryLimitError(
      op,
      shape,
      dtype,
      bytes,
      available,
      `the memory available now (of ${formatBytes(limit.totalBytes)} in all)`,
    );
}
