import { checkAllocation } from "./memory.js";

/** The element types a tensor can hold. Example: `nb.zeros([2], { dtype: "int32" })`. */
export type DType = "float32" | "float64" | "int32" | "bool";

/** The typed array that stores each dtype on the CPU (bool is one byte per element). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The typed-array constructor of each dtype. Example: `new ARRAY_TYPES.float32(4)`. */
export const ARRAY_TYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

/** All dtypes, for validation messages. */
export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "bool"];

/**
 * Allocates a zero-filled typed array for `dtype`, within the memory limit (see memory.ts).
 * Example: `allocArray("float32", 4)`.
 */
export function allocArray(dtype: DType, size: number): TypedArray {
  checkAllocation(null, null, dtype, size);
  return new ARRAY_TYPES[dtype](size);
}

/** The dtype that a typed array stores. Example: `dtypeOfArray(new Int32Array(2)) === "int32"`. */
export function dtypeOfArray(array: ArrayLike<number>): DType | null {
  if (array instanceof Float32Array) return "float32";
  if (array instanceof Float64Array) return "float64";
  if (array instanceof Int32Array) return "int32";
  if (array instanceof Uint8Array) return "bool";
  return null;
}

/** True for float32 and float64, the dtypes that can require grad. */
export function isFloating(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** Throws unless `dtype` is one of nabla's dtypes. */
export function checkDType(op: string, dtype: unknown): DType {
  if (typeof dtype === "string" && (DTYPES as readonly string[]).includes(dtype)) {
    return dtype as DType;
  }
  throw new TypeError(
    `${op}: unknown dtype ${String(dtype)} (expected one of ${DTYPES.join(", ")})`,
  );
}

const rank: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** Result dtype of a binary op between two tensors, as PyTorch promotes them. */
export function promoteTypes(a: DType, b: DType): DType {
  return rank[a] >= rank[b] ? a : b;
}

/**
 * Result dtype of `tensor op scalar`: a Python-style scalar never widens a float tensor,
 * but a non-integer scalar turns an integer or bool tensor into float32 (as in PyTorch).
 */
export function promoteWithScalar(dtype: DType, scalar: number | boolean): DType {
  if (typeof scalar === "boolean") return dtype;
  if (isFloating(dtype)) return dtype;
  if (Number.isInteger(scalar)) return dtype === "bool" ? "int32" : dtype;
  return "float32";
}
