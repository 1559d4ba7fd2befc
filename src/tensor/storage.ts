import type { DType, TypedArray } from "./dtype.js";
import { dtypeOfArray } from "./dtype.js";

/** Where a tensor lives. Only the CPU exists today; `tryGpu()` returns it honestly. */
export class Device {
  constructor(
    readonly type: "cpu" = "cpu",
    readonly index: number | null = null,
  ) {}
  /** Prints as PyTorch does: `cpu`. */
  toString(): string {
    return this.index === null ? this.type : `${this.type}:${this.index}`;
  }
}

/** The CPU device. Example: `nb.zeros([2]).to(nb.cpu)`. */
export const cpu = new Device("cpu");

/** Parses a device name. Example: `nb.device("cpu")`. */
export function device(name: string | Device = "cpu"): Device {
  if (name instanceof Device) return name;
  if (name === "cpu" || name === "cpu:0") return cpu;
  throw new Error(`device: no device "${name}" on this machine (nabla has the cpu backend only)`);
}

/** d2l's `try_gpu(i)`: a GPU if there is one, else the CPU. Example: `nb.tryGpu()`. */
export function tryGpu(_index = 0): Device {
  return cpu;
}

/** d2l's `try_all_gpus()`: all GPUs, or `[cpu]` when there are none. Example: `nb.tryAllGpus()`. */
export function tryAllGpus(): Device[] {
  return [cpu];
}

let birthListener: ((storage: Storage) => void) | null = null;

/**
 * The memory behind one or more tensors (views share it). On the CPU backends it wraps a typed
 * array shared by the js and native kernels. `version` counts in-place writes, so autograd can tell
 * when a tensor it saved for backward was modified.
 */
export class Storage {
  version = 0;
  readonly dtype: DType;
  constructor(
    readonly data: TypedArray,
    readonly device: Device = cpu,
  ) {
    const dtype = dtypeOfArray(data);
    if (dtype === null)
      throw new TypeError("Storage: expected a Float32/Float64/Int32/Uint8 array");
    this.dtype = dtype;
    if (birthListener !== null) birthListener(this);
  }
  get size(): number {
    return this.data.length;
  }
}

/**
 * Calls `fn` with every storage created from now on (null stops it). The autograd engine uses it
 * to know which storages a backward pass made for itself. Example: `onStorageCreated(null)`.
 */
export function onStorageCreated(fn: ((storage: Storage) => void) | null): void {
  birthListener = fn;
}
