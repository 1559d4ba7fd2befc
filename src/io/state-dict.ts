// State dicts as safetensors files, under PyTorch's keys, so a checkpoint moves between nabla and
// PyTorch (`torch.nn.Module.load_state_dict(safetensors.torch.load_file(path))`).
//
// dtype mapping (nabla -> file -> nabla):
//   float32 <-> F32, float64 <-> F64, bool <-> BOOL;
//   int32 -> I64 by default, because nabla's int32 stands in for PyTorch's int64 (labels, indices,
//     BatchNorm's `num_batches_tracked`), and PyTorch refuses an int32 `num_batches_tracked`;
//     `intDtype: "I32"` (or a per-key `dtypes` entry) writes I32 or U8 instead;
//   I64, I32 and U8 are all read back into int32; an I64 value outside the int32 range is an error
//     naming the key, never a silent wrap.
import { Tensor } from "../tensor/tensor.js";
import { loadSafetensors, saveSafetensors } from "./files.js";
import { type RawTensor, type SafetensorsMetadata, toBigInt64, toInt32 } from "./safetensors.js";

/**
 * A state dict: tensors by PyTorch key, e.g. `{ "0.weight": w, "1.running_mean": m }`. Those read
 * from files are null-prototype objects, so that any key (even `__proto__`) is an ordinary key.
 */
export type StateDict = Record<string, Tensor>;

/** Anything with a state dict's entries: a plain record or a Map, e.g. `net.stateDict()`. */
export type StateDictLike = Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;

/** How integer tensors are written; e.g. `{ intDtype: "I32" }` or `{ dtypes: { "mask": "U8" } }`. */
export interface SaveStateDictOptions {
  /** File dtype of int32 tensors: `"I64"` (default, PyTorch's int64), `"I32"` or `"U8"`. */
  intDtype?: "I64" | "I32" | "U8";
  /** Per-key file dtype of int32 tensors, overriding `intDtype`. */
  dtypes?: Record<string, "I64" | "I32" | "U8">;
  /** Extra `__metadata__` strings; `format: "pt"` is always set (what PyTorch's loader expects). */
  metadata?: SafetensorsMetadata;
}

/** The entries of a record or Map state dict, in order. */
export function stateDictEntries(sd: StateDictLike): [string, Tensor][] {
  return sd instanceof Map ? [...sd.entries()] : Object.entries(sd as Record<string, Tensor>);
}

/**
 * A tensor as a safetensors record (a contiguous copy), e.g. for `serializeSafetensors`.
 * @example tensorToRaw(nb.tensor([1, 2])); // { dtype: "F32", shape: [2], data: Float32Array [1, 2] }
 */
export function tensorToRaw(
  t: Tensor,
  intDtype: "I64" | "I32" | "U8" = "I64",
  key = "tensor",
): RawTensor {
  const shape = t.shape.slice();
  switch (t.dtype) {
    case "float32":
      return { dtype: "F32", shape, data: t.data() as Float32Array };
    case "float64":
      return { dtype: "F64", shape, data: t.data() as Float64Array };
    case "bool":
      return { dtype: "BOOL", shape, data: t.data() as Uint8Array };
    case "int32": {
      const data = t.data() as Int32Array;
      if (intDtype === "I32") return { dtype: "I32", shape, data };
      if (intDtype === "I64") return { dtype: "I64", shape, data: toBigInt64(data) };
      if (intDtype !== "U8")
        throw new Error(
          `saveStateDict: "${key}": int dtype must be "I64", "I32" or "U8", got ${JSON.stringify(intDtype)}`,
        );
      const bytes = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) {
        if (data[i]! < 0 || data[i]! > 255)
          throw new Error(
            `saveStateDict: "${key}" element ${i} = ${data[i]} does not fit in U8 (0..255)`,
          );
        bytes[i] = data[i]!;
      }
      return { dtype: "U8", shape, data: bytes };
    }
  }
}

/**
 * A safetensors record as a nabla tensor: F32/F64/BOOL keep their type, I64/I32/U8 become int32.
 * @example rawToTensor({ dtype: "I64", shape: [], data: new BigInt64Array([7n]) }).item(); // 7
 */
export function rawToTensor(raw: RawTensor, key = "tensor"): Tensor {
  const shape = raw.shape.slice();
  switch (raw.dtype) {
    case "F32":
    case "F64":
      return Tensor.fromArray(raw.data, shape);
    case "BOOL":
      // Own the bytes: a Uint8Array Storage is nabla's bool.
      return Tensor.fromArray(new Uint8Array(raw.data), shape);
    case "U8":
      return Tensor.fromArray(Int32Array.from(raw.data), shape);
    case "I32":
      return Tensor.fromArray(raw.data, shape);
    case "I64":
      try {
        return Tensor.fromArray(toInt32(raw), shape);
      } catch (e) {
        throw new Error(
          `loadStateDict: "${key}" is I64 with a value outside int32: ${(e as Error).message}`,
          { cause: e },
        );
      }
  }
}

/**
 * Tensors of a state dict as safetensors records (detached contiguous copies).
 * @example serializeSafetensors(stateDictToRaw(net.stateDict()), { format: "pt" });
 */
export function stateDictToRaw(
  sd: StateDictLike,
  options: SaveStateDictOptions = {},
): Record<string, RawTensor> {
  const out: Record<string, RawTensor> = Object.create(null);
  for (const [key, t] of stateDictEntries(sd)) {
    if (!(t instanceof Tensor))
      throw new TypeError(`saveStateDict: "${key}" is not a Tensor (got ${typeof t})`);
    const perKey =
      options.dtypes && Object.hasOwn(options.dtypes, key) ? options.dtypes[key] : undefined;
    out[key] = tensorToRaw(t, perKey ?? options.intDtype ?? "I64", key);
  }
  return out;
}

/**
 * safetensors records as a state dict of nabla tensors (a null-prototype object: keys come from
 * the file, and a key such as `__proto__` must stay a key, for loadStateDict to report it).
 * @example const sd = rawToStateDict(parseSafetensors(bytes).tensors);
 */
export function rawToStateDict(tensors: Record<string, RawTensor>): StateDict {
  const sd: StateDict = Object.create(null);
  for (const [key, raw] of Object.entries(tensors)) sd[key] = rawToTensor(raw, key);
  return sd;
}

/**
 * Save a state dict as a safetensors file, atomically, loadable by PyTorch under the same keys.
 * @example saveStateDict("lenet.safetensors", net.stateDict());
 */
export function saveStateDict(
  path: string,
  sd: StateDictLike,
  options: SaveStateDictOptions = {},
): void {
  saveSafetensors(path, stateDictToRaw(sd, options), { ...options.metadata, format: "pt" });
}

/**
 * Load a safetensors file as a state dict (e.g. one written by PyTorch's `save_file`).
 * @example net.loadStateDict(loadStateDict("lenet.safetensors"));
 */
export function loadStateDict(path: string): StateDict {
  return rawToStateDict(loadSafetensors(path).tensors);
}
