// The checks of `Optimizer.loadStateDict`: a state dict read from a file is data, so every field
// is checked before anything is loaded, and every bad field is named in one error.
import { describeValue as describe, isRecord } from "../tensor/describe.js";
import { isFloating } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/** A parameter group as the checks see it: its parameters and its options. */
interface GroupLike {
  params: readonly Tensor[];
  [option: string]: unknown;
}

// Keys that would reach an object's prototype machinery if they were ever assigned.
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** The problem of a saved option against the optimizer's current value of it, if any. */
function optionProblem(where: string, saved: unknown, current: unknown): string | undefined {
  if (typeof current === "number" && !(typeof saved === "number" && Number.isFinite(saved)))
    return `${where} must be a finite number, got ${describe(saved)}`;
  if (typeof current === "boolean" && typeof saved !== "boolean")
    return `${where} must be true or false, got ${describe(saved)}`;
  if (Array.isArray(current)) {
    const ok =
      Array.isArray(saved) &&
      saved.length === current.length &&
      saved.every((x) => typeof x === "number" && Number.isFinite(x));
    if (!ok)
      return `${where} must be an array of ${current.length} finite numbers, got ${describe(saved)}`;
  }
  return undefined;
}

/** Problems of the saved groups; fills `paramOf` with the parameter behind each saved index. */
function groupProblems(
  saved: unknown,
  groups: readonly GroupLike[],
  validate: (group: GroupLike) => void,
  paramOf: Map<number, Tensor>,
): string[] {
  if (!Array.isArray(saved)) return [`paramGroups must be an array, got ${describe(saved)}`];
  if (saved.length !== groups.length)
    return [
      `loaded state dict has ${saved.length} parameter group${saved.length === 1 ? "" : "s"}, the optimizer has ${groups.length}`,
    ];
  const problems: string[] = [];
  saved.forEach((g: unknown, i) => {
    const where = `paramGroups[${i}]`;
    const group = groups[i]!;
    if (!isRecord(g)) {
      problems.push(`${where} must be an object, got ${describe(g)}`);
      return;
    }
    const ids = g["params"];
    if (!Array.isArray(ids) || !ids.every((id) => Number.isSafeInteger(id) && id >= 0))
      problems.push(`${where}.params must be an array of parameter indices, got ${describe(ids)}`);
    else if (ids.length !== group.params.length)
      problems.push(
        `loaded state dict contains a parameter group (${i}) that doesn't match the size of the optimizer's group (${ids.length} vs ${group.params.length} parameters)`,
      );
    else
      ids.forEach((id: number, j) => {
        if (paramOf.has(id)) problems.push(`${where}.params lists parameter ${id} twice`);
        paramOf.set(id, group.params[j]!);
      });
    // Options with a problem keep the optimizer's value in the candidate that `validate` checks,
    // so that it reports the other options' problems (ranges, e.g. a negative momentum).
    const candidate: GroupLike = { ...group, params: group.params };
    for (const [k, v] of Object.entries(g)) {
      if (k === "params") continue;
      const problem = FORBIDDEN_KEYS.has(k)
        ? `${where} has an unexpected key "${k}"`
        : optionProblem(`${where}.${k}`, v, Object.hasOwn(group, k) ? group[k] : undefined);
      if (problem) problems.push(problem);
      else candidate[k] = v;
    }
    const lr = candidate["lr"];
    if (!(typeof lr === "number" && lr >= 0 && Number.isFinite(lr))) {
      problems.push(`${where}.lr must be a number >= 0, got ${describe(lr)}`);
      candidate["lr"] = group["lr"];
    }
    try {
      validate(candidate);
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
  });
  return problems;
}

/** Problems of the saved per-parameter state, against the parameters that `paramOf` maps to. */
function stateProblems(state: unknown, paramOf: ReadonlyMap<number, Tensor>): string[] {
  if (!isRecord(state)) return [`state must be an object, got ${describe(state)}`];
  const problems: string[] = [];
  for (const [key, entry] of Object.entries(state)) {
    const where = `state[${JSON.stringify(key)}]`;
    const p = /^\d+$/.test(key) ? paramOf.get(Number(key)) : undefined;
    if (p === undefined) {
      // Unknown only because the groups are bad: that is reported already.
      if (paramOf.size > 0 || !/^\d+$/.test(key))
        problems.push(`${where} is the state of no parameter of the groups`);
      continue;
    }
    if (!isRecord(entry)) {
      problems.push(`${where} must be an object, got ${describe(entry)}`);
      continue;
    }
    for (const [k, v] of Object.entries(entry)) {
      const field = `${where}.${k}`;
      if (FORBIDDEN_KEYS.has(k)) problems.push(`${where} has an unexpected key "${k}"`);
      else if (v === null) continue;
      else if (v instanceof Tensor) {
        // Every tensor an optimizer keeps (moments, momentum buffers) is shaped like its parameter.
        if (!isFloating(v.dtype))
          problems.push(`${field} must be a floating-point tensor, got ${v.dtype}`);
        else if (v.ndim !== p.ndim || v.shape.some((s, d) => s !== p.shape[d]))
          problems.push(
            `${field} has shape ${fmtShape(v.shape)} but parameter ${key} has shape ${fmtShape(p.shape)}`,
          );
      } else if (typeof v === "number") {
        if (k === "step" ? !(Number.isSafeInteger(v) && v >= 0) : !Number.isFinite(v))
          problems.push(
            `${field} must be ${k === "step" ? "an integer >= 0" : "a finite number"}, got ${v}`,
          );
      } else problems.push(`${field} must be a tensor, a number or null, got ${describe(v)}`);
    }
  }
  return problems;
}

/**
 * Every problem of an optimizer state dict (from `stateDict()`, perhaps read from a file) against
 * an optimizer's groups, each naming its field; `validate` is the optimizer's check of a group's
 * options (it throws). Nothing is loaded here.
 * @example optimizerStateProblems(saved, opt.paramGroups, (g) => {}); // ["paramGroups[0].lr must be a number >= 0, got -1"]
 */
export function optimizerStateProblems(
  stateDict: unknown,
  groups: readonly GroupLike[],
  validate: (group: GroupLike) => void,
): string[] {
  if (!isRecord(stateDict))
    return [`expected a state dict { state, paramGroups }, got ${describe(stateDict)}`];
  const paramOf = new Map<number, Tensor>();
  const problems = groupProblems(stateDict["paramGroups"], groups, validate, paramOf);
  problems.push(...stateProblems(stateDict["state"], paramOf));
  return problems;
}
