import { getBackend } from "../backend/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { bufData, gradData, ParamArrays, zerosLikeParam } from "./buffers.js";
import { Optimizer, type ParamGroup, type Params } from "./optimizer.js";

/** Options of `optim.Adam` and `optim.AdamW` (PyTorch's, camelCased). */
export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/** The state of one parameter under Adam. */
export interface AdamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  maxExpAvgSq: Tensor | null;
  [key: string]: Tensor | number | null;
}

/**
 * One Adam update of `params` in place (torch.optim.Adam's maths; `decoupled` gives AdamW's
 * `p *= 1 - lr weightDecay` instead of adding `weightDecay p` to the gradient):
 * `m = lerp(m, d, 1 - beta1)`, `v = beta2 v + (1 - beta2) d^2` (its running max with amsgrad),
 * `p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)`. Increments each state's
 * step. Runs the backend's `adamStep` kernel. Example: `adam([w], [state], hyper, false)`.
 */
export function adam(
  params: Tensor[],
  states: AdamState[],
  hyper: AdamOptions,
  decoupled: boolean,
): void {
  const { lr, betas, eps, weightDecay, amsgrad, maximize } = hyper;
  for (const s of states) s.step += 1;
  // The kernel takes one step count: parameters are grouped by theirs (usually all alike).
  const steps = [...new Set(states.map((s) => s.step))];
  for (const step of steps) {
    const idx = params.map((_, i) => i).filter((i) => states[i].step === step);
    const data = new ParamArrays(idx.map((i) => params[i]));
    getBackend().adamStep(
      data.data,
      idx.map((i) => gradData(params[i])),
      idx.map((i) => bufData(states[i].expAvg)),
      idx.map((i) => bufData(states[i].expAvgSq)),
      amsgrad ? idx.map((i) => bufData(states[i].maxExpAvgSq!)) : null,
      lr,
      betas[0],
      betas[1],
      eps,
      weightDecay,
      amsgrad,
      maximize,
      step,
      decoupled,
    );
    data.commit();
  }
}

function checkAdam(name: string, g: ParamGroup<AdamOptions>): void {
  if (!(g.eps >= 0)) throw new RangeError(`${name}: invalid epsilon value: ${g.eps}`);
  const [b1, b2] = g.betas ?? [];
  if (!(b1 >= 0 && b1 < 1))
    throw new RangeError(`${name}: invalid beta parameter at index 0: ${b1}`);
  if (!(b2 >= 0 && b2 < 1))
    throw new RangeError(`${name}: invalid beta parameter at index 1: ${b2}`);
  if (!(g.weightDecay >= 0))
    throw new RangeError(`${name}: invalid weightDecay value: ${g.weightDecay}`);
}

function adamDefaults(options: Partial<AdamOptions>, weightDecay: number): AdamOptions {
  return {
    lr: options.lr ?? 1e-3,
    betas: options.betas ? [options.betas[0], options.betas[1]] : [0.9, 0.999],
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? weightDecay,
    amsgrad: options.amsgrad ?? false,
    maximize: options.maximize ?? false,
  };
}

/**
 * Adam (Kingma and Ba), with PyTorch's options and L2 weight decay added to the gradient.
 * Example: `new optim.Adam(net.parameters(), { lr: 1e-3, betas: [0.9, 0.98], amsgrad: true })`.
 */
export class Adam extends Optimizer<AdamOptions> {
  protected readonly decoupled: boolean = false;

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, adamDefaults(options, 0));
  }

  protected override validate(g: ParamGroup<AdamOptions>): void {
    checkAdam(this.constructor.name, g);
  }

  protected override updateGroup(group: ParamGroup<AdamOptions>, params: Tensor[]): void {
    const states = params.map((p) =>
      this.stateOf<AdamState>(p, () => ({
        step: 0,
        expAvg: zerosLikeParam(p),
        expAvgSq: zerosLikeParam(p),
        maxExpAvgSq: group.amsgrad ? zerosLikeParam(p) : null,
      })),
    );
    params.forEach((p, i) => {
      if (group.amsgrad && states[i].maxExpAvgSq === null)
        states[i].maxExpAvgSq = zerosLikeParam(p);
    });
    adam(params, states, group, this.decoupled);
  }
}

/**
 * AdamW (Loshchilov and Hutter): Adam with decoupled weight decay `p *= 1 - lr weightDecay`,
 * weightDecay 0.01 by default. Example: `new optim.AdamW(net.parameters(), { lr: 1e-3 })`.
 */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 1e-2 });
  }
}
