// PyTorch's keyword arguments as JS options objects. A functional op such as
// `F.max_pool2d(x, 2, 0)` passes them positionally too, so the trailing arguments of an op are
// read as PyTorch reads them: positional values in PyTorch's order, then an options object. An
// argument JS would otherwise drop silently (a number where an object was expected, a misspelt
// option) is an error naming the op.
import { Tensor } from "../tensor/tensor.js";

/** True for a plain options object (not a tensor, an array or null). */
export function isOptionsObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  if (value instanceof Tensor) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks an options argument: undefined (no options) or a plain object whose keys are all in
 * `known`. Example: `checkOptions("mseLoss", options, ["reduction"])`.
 */
export function checkOptions<T extends object>(
  op: string,
  options: T | undefined,
  known: readonly string[],
): T {
  if (options === undefined) return {} as T;
  if (!isOptionsObject(options)) {
    throw new TypeError(
      `${op}: expected an options object { ${known.join(", ")} }, got ${describe(options)}`,
    );
  }
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new TypeError(
      `${op}: unknown option${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (known: ${known.join(", ")})`,
    );
  }
  return options;
}

/**
 * Reads the trailing arguments of an op: positional values in PyTorch's order (`names`), then
 * optionally an options object; an argument given both ways is an error, as in Python.
 * Example: `trailingOptions("maxPool2d", ["stride", "padding"], [2, 0])` is `{ stride: 2, padding: 0 }`.
 */
export function trailingOptions<T extends object>(
  op: string,
  names: readonly (keyof T & string)[],
  args: readonly unknown[],
): T {
  let positional = args;
  let options: Record<string, unknown> = {};
  const last = args[args.length - 1];
  if (args.length > 0 && isOptionsObject(last)) {
    options = checkOptions(op, last, names);
    positional = args.slice(0, -1);
  }
  if (positional.length > names.length) {
    throw new TypeError(
      `${op}: takes at most ${names.length} arguments (${names.join(", ")}) after its inputs, then an options object; got ${positional.length}: ${positional.map(describe).join(", ")}`,
    );
  }
  const out: Record<string, unknown> = { ...options };
  positional.forEach((value, i) => {
    if (value === undefined) return;
    if (isOptionsObject(value))
      throw new TypeError(
        `${op}: an options object must come last, but argument ${names[i]} is ${describe(value)}`,
      );
    const name = names[i];
    if (options[name] !== undefined)
      throw new TypeError(`${op}: got ${name} both as an argument and as an option`);
    out[name] = value;
  });
  return out as T;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof Tensor) return `a Tensor`;
  if (Array.isArray(value)) return JSON.stringify(value);
  if (typeof value === "object") return `a ${value.constructor?.name ?? "object"}`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

// Every prefix of a tuple, the empty one included: [a, b] gives [] | [a] | [a, b].
type Prefixes<P extends readonly unknown[]> = P extends readonly [...infer Head, unknown]
  ? P | Prefixes<Head>
  : [];
type ThenOptions<T, O> = T extends readonly unknown[] ? [...T, O] : never;

/**
 * The trailing arguments `trailingOptions` reads, as a type: any prefix of the positional
 * parameters `P`, optionally followed by an options object `O`.
 * Example: `(...args: TrailingArgs<[stride: number | undefined], { stride?: number }>)`.
 */
export type TrailingArgs<P extends readonly unknown[], O> =
  Prefixes<P> | ThenOptions<Prefixes<P>, O>;
