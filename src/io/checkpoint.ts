// Training checkpoints: one safetensors file holding the model, the optimizer (and scheduler)
// state, the epoch and the RNG state, written atomically so that a killed run never leaves a
// half-written checkpoint.
//
// Key scheme (documented for other tools, e.g. a Python reader):
//   - model tensors under their PyTorch keys, unprefixed (`conv1.weight`, `1.num_batches_tracked`);
//     so `model.load_state_dict({k: v for k, v in load_file(p).items() if not k.startswith("__")})`
//     loads a nabla checkpoint into the equivalent PyTorch model;
//   - optimizer tensors under `__optimizer__.<path>`, where <path> is the dotted path of the tensor
//     inside `optimizer.stateDict()` (e.g. `__optimizer__.state.0.momentum_buffer`); scheduler
//     tensors, if any, under `__scheduler__.<path>`;
//   - `__metadata__`: `format: "pt"` and `nabla.checkpoint`, a JSON string
//     `{ version: 1, epoch, rngState, optimizer, scheduler, extra }` in which each tensor of the
//     optimizer/scheduler state is replaced by `{ "$tensor": "<file key>" }`, non-finite numbers by
//     `{ "$number": "NaN" | "Infinity" | "-Infinity" }`, Maps by `{ "$map": [[key, value], ...] }`
//     and undefined array entries by `{ "$undefined": true }` (undefined properties are dropped)
//     (hyperparameters such as lr and momentum are plain JSON numbers here).
import { describeValue, isRecord } from "../tensor/describe.js";
import { Tensor } from "../tensor/tensor.js";
import { loadSafetensors, saveSafetensors } from "./files.js";
import type { RawTensor } from "./safetensors.js";
import {
  rawToTensor,
  type StateDict,
  type StateDictLike,
  stateDictEntries,
  tensorToRaw,
} from "./state-dict.js";

/** What a checkpoint saves of a model: PyTorch's `state_dict`/`load_state_dict` pair, e.g. an `nn.Module`. */
export interface CheckpointModel {
  stateDict(): StateDictLike;
  loadStateDict(sd: StateDict, options?: { strict?: boolean }): unknown;
}

/** What a checkpoint saves of an optimizer or LR scheduler, e.g. `optim.SGD`. */
export interface CheckpointStateful {
  stateDict(): unknown;
  loadStateDict(state: any): unknown;
}

/** What `saveCheckpoint` writes, e.g. `{ model: net, optimizer: opt, epoch: 3, rngState: nb.getRngState() }`. */
export interface CheckpointContents {
  model: CheckpointModel | StateDictLike;
  optimizer?: CheckpointStateful;
  scheduler?: CheckpointStateful;
  /** Number of completed epochs. */
  epoch?: number;
  /** `nb.getRngState()` at the end of the epoch. */
  rngState?: readonly number[];
  /** Anything JSON-like (tensors are allowed too), e.g. the run's options and metrics history. */
  extra?: unknown;
}

/** What `readCheckpoint` returns: plain data, not yet loaded into a model. */
export interface CheckpointData {
  model: StateDict;
  optimizer: unknown;
  scheduler: unknown;
  epoch: number;
  rngState: number[] | undefined;
  extra: unknown;
}

/** The metadata key of the checkpoint's JSON, e.g. `metadata["nabla.checkpoint"]`. */
export const CHECKPOINT_METADATA_KEY = "nabla.checkpoint";
const OPTIMIZER_PREFIX = "__optimizer__.";
const SCHEDULER_PREFIX = "__scheduler__.";
const EXTRA_PREFIX = "__extra__.";
const RESERVED = [OPTIMIZER_PREFIX, SCHEDULER_PREFIX, EXTRA_PREFIX];
const VERSION = 1;

function isModel(m: CheckpointContents["model"]): m is CheckpointModel {
  return typeof (m as CheckpointModel).stateDict === "function";
}

/**
 * Turn a state tree into JSON-safe data, moving its tensors into `tensors` under `prefix.<path>`.
 * @example encodeState({ step: 3, buf: t }, "__optimizer__", raw); // { step: 3, buf: { $tensor: "__optimizer__.buf" } }
 */
export function encodeState(
  value: unknown,
  prefix: string,
  tensors: Record<string, RawTensor>,
): unknown {
  const walk = (v: unknown, path: string, seen: Set<object>): unknown => {
    if (v instanceof Tensor) {
      let key = path;
      for (let i = 1; key in tensors; i++) key = `${path}~${i}`;
      tensors[key] = tensorToRaw(v, "I64", key);
      return { $tensor: key };
    }
    if (typeof v === "number") return Number.isFinite(v) ? v : { $number: String(v) };
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (v === undefined) return { $undefined: true };
    if (typeof v === "bigint") return { $bigint: v.toString() };
    if (typeof v !== "object")
      throw new TypeError(`saveCheckpoint: cannot save a ${typeof v} at ${path}`);
    if (seen.has(v)) throw new TypeError(`saveCheckpoint: circular reference at ${path}`);
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}.${i}`, seen));
      if (v instanceof Map) {
        return {
          $map: [...v.entries()].map(([k, x]) => [k, walk(x, `${path}.${String(k)}`, seen)]),
        };
      }
      if (ArrayBuffer.isView(v))
        return walk(Array.from(v as unknown as ArrayLike<number>), path, seen);
      // Keys may come from a file (a resumed run's extra): "__proto__" must stay a key.
      const out: Record<string, unknown> = Object.create(null);
      // Like JSON, an object drops its undefined properties (arrays keep them, as markers).
      for (const [k, x] of Object.entries(v))
        if (x !== undefined) out[k] = walk(x, `${path}.${k}`, seen);
      // An object that happens to look like one of our markers is wrapped, so decoding is exact.
      const keys = Object.keys(out);
      return keys.length === 1 && keys[0]!.startsWith("$") ? { $object: out } : out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, prefix.replace(/\.$/, ""), new Set());
}

/**
 * The inverse of `encodeState`: rebuild the tree, turning `{ $tensor }` markers back into tensors.
 * A malformed marker throws an error saying what is wrong with it; `readCheckpoint` adds the file
 * and the field.
 * @example decodeState({ buf: { $tensor: "k" } }, { k: raw }); // { buf: Tensor }
 */
export function decodeState(value: unknown, tensors: Record<string, RawTensor>): unknown {
  const bad = (what: string, v: unknown): never => {
    throw new Error(`${what}, got ${describeValue(v)}`);
  };
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(walk);
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const k = keys[0]!;
      const x = o[k];
      if (k === "$tensor") {
        const raw = typeof x === "string" && Object.hasOwn(tensors, x) ? tensors[x] : undefined;
        if (raw === undefined)
          throw new Error(`tensor ${describeValue(x)} is missing from the file`);
        return rawToTensor(raw, x as string);
      }
      if (k === "$number") {
        if (x !== "NaN" && x !== "Infinity" && x !== "-Infinity")
          bad('a $number marker must hold "NaN", "Infinity" or "-Infinity"', x);
        return Number(x);
      }
      if (k === "$undefined") return undefined;
      if (k === "$bigint") {
        if (typeof x !== "string" || !/^-?\d+$/.test(x))
          bad("a $bigint marker must hold a string of digits", x);
        return BigInt(x as string);
      }
      if (k === "$map") {
        if (!Array.isArray(x) || !x.every((e) => Array.isArray(e) && e.length === 2))
          bad("a $map marker must hold an array of [key, value] pairs", x);
        return new Map((x as [unknown, unknown][]).map(([mk, mv]) => [mk, walk(mv)]));
      }
      if (k === "$object") {
        if (!isRecord(x)) bad("an $object marker must hold an object", x);
        return Object.fromEntries(Object.entries(x as object).map(([ik, iv]) => [ik, walk(iv)]));
      }
    }
    // Object.fromEntries defines own properties: a "__proto__" key stays data.
    return Object.fromEntries(keys.map((k) => [k, walk(o[k])]));
  };
  return walk(value);
}

/**
 * Save a training checkpoint atomically (see the key scheme at the top of this file).
 * @example saveCheckpoint("runs/lenet/checkpoint.safetensors", { model: net, optimizer: opt, epoch: 3, rngState: nb.getRngState() });
 */
export function saveCheckpoint(path: string, contents: CheckpointContents): void {
  const tensors: Record<string, RawTensor> = Object.create(null);
  const sd = isModel(contents.model) ? contents.model.stateDict() : contents.model;
  for (const [key, t] of stateDictEntries(sd)) {
    const clash = RESERVED.find((p) => key.startsWith(p));
    if (clash)
      throw new Error(`saveCheckpoint: model key "${key}" uses the reserved prefix "${clash}"`);
    if (!(t instanceof Tensor))
      throw new TypeError(`saveCheckpoint: model entry "${key}" is not a Tensor`);
    tensors[key] = tensorToRaw(t, "I64", key);
  }
  const epoch = contents.epoch ?? 0;
  if (!Number.isInteger(epoch) || epoch < 0)
    throw new Error(`saveCheckpoint: epoch must be an integer >= 0, got ${epoch}`);
  const meta = {
    version: VERSION,
    epoch,
    rngState: contents.rngState ? encodeState([...contents.rngState], "", {}) : null,
    optimizer: contents.optimizer
      ? encodeState(contents.optimizer.stateDict(), OPTIMIZER_PREFIX, tensors)
      : null,
    scheduler: contents.scheduler
      ? encodeState(contents.scheduler.stateDict(), SCHEDULER_PREFIX, tensors)
      : null,
    extra: contents.extra === undefined ? null : encodeState(contents.extra, EXTRA_PREFIX, tensors),
  };
  saveSafetensors(path, tensors, { format: "pt", [CHECKPOINT_METADATA_KEY]: JSON.stringify(meta) });
}

/** Options of `readCheckpoint`, e.g. `{ checkExtra: (extra) => extra ? [] : ["extra is missing"] }`. */
export interface ReadCheckpointOptions {
  /**
   * Problems of the decoded `extra` (e.g. a run configuration) of a checkpoint at `epoch`, each a
   * phrase naming its field; reported in the same error as the checkpoint's own bad fields.
   */
  checkExtra?: (extra: unknown, epoch: number) => string[];
}

/** The problems of a checkpoint's RNG state (`getRngState()`: 4 uint32 words and a spare normal). */
function rngStateProblems(rng: unknown): string[] {
  if (!Array.isArray(rng) || rng.length !== 5)
    return [`rngState must be an array of 5 numbers, got ${describeValue(rng)}`];
  const words = rng.slice(0, 4);
  const bad = words.findIndex((w) => !(Number.isInteger(w) && w >= 0 && w < 2 ** 32));
  if (bad >= 0)
    return [`rngState[${bad}] must be an integer in [0, 2^32), got ${describeValue(words[bad])}`];
  if (words.every((w) => w === 0))
    return ["rngState is all zeros (the generator would only ever produce zeros)"];
  if (typeof rng[4] !== "number")
    return [`rngState[4] must be a number (or NaN), got ${describeValue(rng[4])}`];
  return [];
}

/**
 * Read a checkpoint file into plain data (no model needed), e.g. to inspect its epoch. Its
 * metadata is checked: one error names every bad field (epoch, rngState, optimizer, scheduler,
 * and what `options.checkExtra` finds in `extra`).
 * @example const { epoch, model } = readCheckpoint("runs/lenet/checkpoint.safetensors");
 */
export function readCheckpoint(path: string, options: ReadCheckpointOptions = {}): CheckpointData {
  const { tensors, metadata } = loadSafetensors(path);
  const json = metadata?.[CHECKPOINT_METADATA_KEY];
  // A plain state dict (e.g. written by PyTorch's save_file) is a checkpoint with only a model.
  // Keys come from the file: a null-prototype object keeps "__proto__" an ordinary key.
  const model: StateDict = Object.create(null);
  for (const [key, raw] of Object.entries(tensors)) {
    if (!RESERVED.some((p) => key.startsWith(p))) model[key] = rawToTensor(raw, key);
  }
  const problems: string[] = [];
  const decode = (what: string, value: unknown): unknown => {
    if (value === null || value === undefined) return undefined;
    try {
      return decodeState(value, tensors);
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
      return undefined;
    }
  };
  let epoch = 0;
  let data: Omit<CheckpointData, "model" | "epoch"> = {
    optimizer: undefined,
    scheduler: undefined,
    rngState: undefined,
    extra: undefined,
  };
  if (json !== undefined) {
    let meta: unknown;
    try {
      meta = JSON.parse(json);
    } catch (e) {
      throw new Error(
        `loadCheckpoint: ${path}: invalid "${CHECKPOINT_METADATA_KEY}" JSON (${(e as Error).message})`,
        { cause: e },
      );
    }
    if (!isRecord(meta))
      throw new Error(
        `loadCheckpoint: ${path}: "${CHECKPOINT_METADATA_KEY}" must be a JSON object, got ${describeValue(meta)}`,
      );
    const field = (k: string) => (Object.hasOwn(meta, k) ? meta[k] : undefined);
    if (field("version") !== VERSION)
      throw new Error(
        `loadCheckpoint: ${path}: unsupported checkpoint version ${describeValue(field("version"))} (expected ${VERSION})`,
      );
    const e = field("epoch");
    if (typeof e === "number" && Number.isSafeInteger(e) && e >= 0) epoch = e;
    else problems.push(`epoch must be an integer >= 0, got ${describeValue(e)}`);
    const rng = decode("rngState", field("rngState"));
    if (rng !== undefined) problems.push(...rngStateProblems(rng));
    data = {
      optimizer: decode("optimizer", field("optimizer")),
      scheduler: decode("scheduler", field("scheduler")),
      rngState: rng as number[] | undefined,
      extra: decode("extra", field("extra")),
    };
    for (const k of ["optimizer", "scheduler"] as const) {
      if (data[k] !== undefined && !isRecord(data[k]))
        problems.push(`${k} must be an object, got ${describeValue(data[k])}`);
    }
  }
  if (options.checkExtra) problems.push(...options.checkExtra(data.extra, epoch));
  if (problems.length > 0)
    throw new Error(`loadCheckpoint: ${path}: invalid checkpoint: ${problems.join("; ")}`);
  return { model, epoch, ...data };
}

/** Where `loadCheckpoint` puts the saved state, e.g. `{ model: net, optimizer: opt }`. */
export interface LoadCheckpointTargets {
  model?: CheckpointModel;
  optimizer?: CheckpointStateful;
  scheduler?: CheckpointStateful;
  /** Default true: every model key must match (Module.loadStateDict lists all mismatches at once). */
  strict?: boolean;
}

/**
 * Load a checkpoint into a model (strictly, listing every missing, unexpected or wrong-shaped
 * tensor in one error), an optimizer and a scheduler; returns the whole checkpoint data.
 * The RNG state is returned, not applied: call `nb.setRngState(ckpt.rngState)` to continue exactly.
 * @example const ckpt = loadCheckpoint("runs/lenet/checkpoint.safetensors", { model: net, optimizer: opt });
 */
export function loadCheckpoint(
  path: string,
  targets: LoadCheckpointTargets = {},
  options: ReadCheckpointOptions = {},
): CheckpointData {
  const data = readCheckpoint(path, options);
  const fail = (what: string, e: unknown): never => {
    throw new Error(`loadCheckpoint: ${path}: ${what}: ${(e as Error).message}`, { cause: e });
  };
  if (targets.model) {
    try {
      targets.model.loadStateDict(data.model, { strict: targets.strict ?? true });
    } catch (e) {
      fail("the model does not match", e);
    }
  }
  if (targets.optimizer) {
    if (data.optimizer === undefined)
      fail("optimizer", new Error("the file has no optimizer state"));
    try {
      targets.optimizer.loadStateDict(data.optimizer);
    } catch (e) {
      fail("optimizer state", e);
    }
  }
  if (targets.scheduler && data.scheduler !== undefined) {
    try {
      targets.scheduler.loadStateDict(data.scheduler);
    } catch (e) {
      fail("scheduler state", e);
    }
  }
  return data;
}
