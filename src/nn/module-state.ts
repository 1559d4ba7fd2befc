// The parts of nn.Module that need no access to its fields: hook types, the removable handle,
// and the checks and copies of loadStateDict.
import { noGrad } from "../autograd/grad-mode.js";
import { Tensor } from "../tensor/tensor.js";
import { isUninitialized } from "./parameter.js";

/** A state dict: PyTorch's dotted keys (`0.weight`, `features.3.bias`) to tensors. */
export type StateDict = Record<string, Tensor>;

/** What `loadStateDict` reports when `strict` is false. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A hook run after `forward`: it may return a replacement output. */
export type ForwardHook<M = unknown> = (module: M, inputs: unknown[], output: any) => unknown;

/** A hook run before `forward`: it may return replacement inputs (an array, or one value). */
export type ForwardPreHook<M = unknown> = (module: M, inputs: unknown[]) => unknown;

/** Returned by `registerForwardHook`: `remove()` takes the hook away. */
export class RemovableHandle {
  #remove: (() => void) | null;
  constructor(remove: () => void) {
    this.#remove = remove;
  }
  /** Removes the hook (a second call does nothing). Example: `handle.remove()`. */
  remove(): void {
    this.#remove?.();
    this.#remove = null;
  }
}

/** A parameter or buffer that `loadStateDict` fills, under its state-dict key. */
export interface LoadTarget {
  key: string;
  tensor: Tensor;
}

const shapeText = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/**
 * Checks `stateDict` against the targets and, if nothing is wrong, copies it in (lazy parameters
 * take the loaded shape). Every missing, unexpected and wrong-shaped key goes into one error,
 * raised before anything is written; with `strict` false, missing and unexpected keys are only
 * reported. `owner` names the module class in the message.
 */
export function copyStateDict(
  owner: string,
  targets: readonly LoadTarget[],
  stateDict: StateDict,
  strict: boolean,
): LoadStateDictResult {
  const expected = new Set<string>();
  const missingKeys: string[] = [];
  const mismatches: string[] = [];
  const copies: [Tensor, Tensor][] = [];
  for (const { key, tensor: target } of targets) {
    expected.add(key);
    if (!Object.prototype.hasOwnProperty.call(stateDict, key)) {
      missingKeys.push(key);
      continue;
    }
    const value = stateDict[key];
    if (!(value instanceof Tensor)) {
      mismatches.push(
        `While copying the parameter named "${key}", expected a Tensor, got ${typeof value}.`,
      );
      continue;
    }
    const sameShape =
      value.ndim === target.ndim && value.shape.every((s, i) => s === target.shape[i]);
    if (!sameShape && !isUninitialized(target)) {
      mismatches.push(
        `size mismatch for ${key}: copying a param with shape ${shapeText(value.shape)} from checkpoint, the shape in current model is ${shapeText(target.shape)}.`,
      );
      continue;
    }
    copies.push([target, value]);
  }
  const unexpectedKeys = Object.keys(stateDict).filter((k) => !expected.has(k));
  const errors: string[] = [];
  if (strict && missingKeys.length > 0)
    errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}.`);
  if (strict && unexpectedKeys.length > 0)
    errors.push(
      `Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}.`,
    );
  errors.push(...mismatches);
  if (errors.length > 0)
    throw new Error(
      `loadStateDict: Error(s) in loading state_dict for ${owner}:\n\t${errors.join("\n\t")}`,
    );
  noGrad(() => {
    for (const [target, value] of copies) {
      if (isUninitialized(target)) target.materialize(value.shape, target.dtypeToBe);
      target.copy_(value);
    }
  });
  return { missingKeys, unexpectedKeys };
}
