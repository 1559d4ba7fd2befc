// Short descriptions of values read from files (checkpoints, state dicts, run configurations) for
// error messages, bounded in length whatever the file holds.
import { fmtShape } from "./shape.js";
import { Tensor } from "./tensor.js";

/**
 * A short, bounded description of a value: strings are quoted and cut after 40 characters,
 * arrays and tensors give their size, other objects only "an object".
 * @example describeValue([1, 2, 3]); // "an array of 3"
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (value instanceof Tensor) return `a tensor of shape ${fmtShape(value.shape)}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") return "an object";
  return String(value);
}

/**
 * Whether a value is a plain JSON-like object (not null, an array or a Map).
 * @example isRecord({ lr: 0.1 }); // true
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Map)
  );
}
