// Tensor methods are installed by the ops index; load it with any optimizer.
import "../ops/index.js";
import { enableGrad, noGrad } from "../autograd/grad-mode.js";
import { cast } from "../ops/cast.js";
import { clone } from "../ops/shape.js";
import { isFloating } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { optimizerStateProblems } from "./state-dict-check.js";

/** Per-parameter optimizer state: tensors (moment buffers) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number | null>;

/** The options every optimizer has. */
export interface BaseOptions {
  lr: number;
}

/** A parameter group: its parameters and its own copy of every option (plus scheduler fields). */
export type ParamGroup<O extends BaseOptions = BaseOptions> = O & {
  params: Tensor[];
  /** Set by LR schedulers: the lr the schedule starts from (PyTorch's `initial_lr`). */
  initialLr?: number;
  [extra: string]: unknown;
};

/** A group as given to a constructor: `params` (one tensor or several) and any option to override. */
export type ParamGroupSpec<O extends BaseOptions = BaseOptions> = Partial<O> & {
  params: Tensor | Iterable<Tensor>;
  [extra: string]: unknown;
};

/** What optimizers accept: parameters, or groups of parameters with their own options. */
export type Params<O extends BaseOptions = BaseOptions> =
  Iterable<Tensor> | readonly ParamGroupSpec<O>[];

/** An optimizer's state for saving and exact resumption (parameters referred to by index). */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  paramGroups: Record<string, unknown>[];
}

function isGroupList<O extends BaseOptions>(p: Params<O>): p is readonly ParamGroupSpec<O>[] {
  const first = Array.isArray(p) ? p[0] : undefined;
  return first !== undefined && !(first instanceof Tensor) && typeof first === "object";
}

function cloneState(state: ParamState, dtype?: Tensor["dtype"]): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(state)) {
    if (v instanceof Tensor) {
      const c = noGrad(() => clone(v));
      out[k] = dtype && isFloating(v.dtype) && v.dtype !== dtype ? cast(c, dtype) : c;
    } else out[k] = v;
  }
  return out;
}

/**
 * The base of every optimizer: parameter groups (each with its own options), per-parameter state
 * created at the first step, `zeroGrad`, and `stateDict`/`loadStateDict` for exact resumption.
 * Subclasses implement `step`, whose maths is a plain function over lists of parameters, gradients
 * and state (a backend kernel), so a fused native kernel can replace it.
 * Example: `const opt = new optim.SGD(net.parameters(), { lr: 0.1 }); opt.zeroGrad(); loss.backward(); opt.step();`
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  /** The options given to the constructor, filled with the optimizer's defaults. */
  readonly defaults: O;
  /** The parameter groups; LR schedulers change `lr` here. */
  paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created lazily by `step`. */
  state = new Map<Tensor, ParamState>();

  constructor(params: Params<O>, defaults: O) {
    this.defaults = defaults;
    if (params instanceof Tensor)
      throw new TypeError(
        `${this.constructor.name}: params must be an iterable of tensors or of groups, got a single Tensor (wrap it in [ ])`,
      );
    const groups: ParamGroupSpec<O>[] = isGroupList(params)
      ? [...params]
      : [{ params: [...(params as Iterable<Tensor>)] } as unknown as ParamGroupSpec<O>];
    if (groups.length === 0 || (groups.length === 1 && [...toList(groups[0].params)].length === 0))
      throw new Error(`${this.constructor.name}: got an empty parameter list`);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Checks a group's options (ranges); subclasses override it. */
  protected validate(_group: ParamGroup<O>): void {}

  /** Adds a group of parameters with its options. Example: `opt.addParamGroup({ params: head.parameters(), lr: 0.01 })`. */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    const params = toList(spec.params);
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    params.forEach((p, i) => {
      if (!(p instanceof Tensor))
        throw new TypeError(`${this.constructor.name}: parameter ${i} of a group is not a Tensor`);
      if (!p.isLeaf) throw new Error(`${this.constructor.name}: can't optimize a non-leaf Tensor`);
      if (!isFloating(p.dtype))
        throw new TypeError(
          `${this.constructor.name}: parameters must be floating point, got ${p.dtype}`,
        );
      if (seen.has(p))
        throw new Error(
          `${this.constructor.name}: some parameters appear in more than one parameter group (shape ${fmtShape(p.shape)})`,
        );
      seen.add(p);
    });
    const group = { ...this.defaults, ...spec, params } as ParamGroup<O>;
    if (typeof group.lr !== "number" || !(group.lr >= 0))
      throw new RangeError(`${this.constructor.name}: invalid learning rate: ${String(group.lr)}`);
    this.validate(group);
    this.paramGroups.push(group);
  }

  /**
   * Clears the gradients of every parameter: to null (the default) or to zeros.
   * Example: `opt.zeroGrad()`.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        if (setToNone) p.grad = null;
        else {
          if (p.grad.gradFn !== null) p.grad = p.grad.detach();
          const g = p.grad;
          noGrad(() => g.zero_());
        }
      }
    }
  }

  /**
   * Updates every parameter that has a gradient. `closure`, when given, recomputes and returns the
   * loss (it runs with grad enabled). Example: `opt.step()`.
   */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups) {
        const params = group.params.filter((p) => p.grad !== null);
        if (params.length > 0) this.updateGroup(group, params);
      }
    });
    return loss;
  }

  /** Runs the update maths on the parameters of one group that have gradients. */
  protected abstract updateGroup(group: ParamGroup<O>, params: Tensor[]): void;

  /** The state of `p`, created by `init` on first use. */
  protected stateOf<S extends ParamState>(p: Tensor, init: () => S): S {
    let s = this.state.get(p) as S | undefined;
    if (s === undefined) {
      s = init();
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * The optimizer's state, with parameters numbered across groups in order (as PyTorch), and
   * tensors copied. Example: `const saved = opt.stateDict(); ...; opt.loadStateDict(saved)`.
   */
  stateDict(): OptimizerStateDict {
    let index = 0;
    const state: Record<number, ParamState> = {};
    const paramGroups = this.paramGroups.map((group) => {
      const ids: number[] = [];
      for (const p of group.params) {
        const s = this.state.get(p);
        if (s !== undefined) state[index] = cloneState(s);
        ids.push(index++);
      }
      const { params: _params, ...options } = group;
      return { ...structuredCloneOptions(options), params: ids };
    });
    return { state, paramGroups };
  }

  /**
   * Restores a state dict saved by `stateDict` from an optimizer over the same parameter shapes.
   * Every field is checked first (a state dict may come from a file): one error names each bad
   * one, and nothing is loaded then.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const name = this.constructor.name;
    const problems = optimizerStateProblems(stateDict, this.paramGroups, (g) =>
      this.validate(g as ParamGroup<O>),
    );
    if (problems.length > 0) throw new Error(`${name}.loadStateDict: ${problems.join("; ")}`);
    const saved = stateDict.paramGroups;
    const state = new Map<Tensor, ParamState>();
    saved.forEach((g, i) => {
      const group = this.paramGroups[i];
      (g.params as number[]).forEach((id, j) => {
        const s = Object.hasOwn(stateDict.state, id) ? stateDict.state[id] : undefined;
        if (s !== undefined) state.set(group.params[j], cloneState(s, group.params[j].dtype));
      });
    });
    saved.forEach((g, i) => {
      const { params: _ids, ...options } = g;
      Object.assign(this.paramGroups[i], structuredCloneOptions(options));
    });
    this.state = state;
  }

  /** The learning rates of the groups. */
  get lrs(): number[] {
    return this.paramGroups.map((g) => g.lr);
  }
}

function toList(params: Tensor | Iterable<Tensor>): Tensor[] {
  return params instanceof Tensor ? [params] : [...params];
}

// Options are numbers, booleans, strings and small arrays (betas): copy arrays so groups don't alias.
function structuredCloneOptions(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) out[k] = Array.isArray(v) ? v.slice() : v;
  return out;
}
