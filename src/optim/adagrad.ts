import { getBackend } from "../backend/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { bufData, gradData, ParamArrays, zerosLikeParam } from "./buffers.js";
import { Optimizer, type ParamGroup, type Params } from "./optimizer.js";

/** Options of `optim.Adagrad` (PyTorch's, camelCased). */
export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

/** The state of one parameter under Adagrad. */
export interface AdagradState {
  step: number;
  sum: Tensor;
  [key: string]: Tensor | number | null;
}

/**
 * One Adagrad update in place (torch.optim.Adagrad's maths): `s += d^2`,
 * `p -= lr / (1 + (t - 1) lrDecay) * d / (sqrt(s) + eps)`. Example: `adagrad([w], [state], hyper)`.
 */
export function adagrad(params: Tensor[], states: AdagradState[], hyper: AdagradOptions): void {
  const { lr, lrDecay, weightDecay, eps, maximize } = hyper;
  for (const s of states) s.step += 1;
  for (const step of new Set(states.map((s) => s.step))) {
    const idx = params.map((_, i) => i).filter((i) => states[i].step === step);
    const data = new ParamArrays(idx.map((i) => params[i]));
    getBackend().adagradStep(
      data.data,
      idx.map((i) => gradData(params[i])),
      idx.map((i) => bufData(states[i].sum)),
      lr,
      lrDecay,
      weightDecay,
      eps,
      maximize,
      step,
    );
    data.commit();
  }
}

/**
 * Adagrad (Duchi et al.), with PyTorch's defaults (lr 0.01, eps 1e-10).
 * Example: `new optim.Adagrad(net.parameters(), { lr: 0.1 })`.
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, {
      lr: options.lr ?? 1e-2,
      lrDecay: options.lrDecay ?? 0,
      weightDecay: options.weightDecay ?? 0,
      initialAccumulatorValue: options.initialAccumulatorValue ?? 0,
      eps: options.eps ?? 1e-10,
      maximize: options.maximize ?? false,
    });
    // PyTorch creates Adagrad's state at construction, filled with the initial accumulator.
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const sum = zerosLikeParam(p);
        if (group.initialAccumulatorValue !== 0) sum.fill_(group.initialAccumulatorValue);
        this.state.set(p, { step: 0, sum });
      }
    }
  }

  protected override validate(g: ParamGroup<AdagradOptions>): void {
    if (!(g.lrDecay >= 0)) throw new RangeError(`Adagrad: invalid lrDecay value: ${g.lrDecay}`);
    if (!(g.weightDecay >= 0))
      throw new RangeError(`Adagrad: invalid weightDecay value: ${g.weightDecay}`);
    if (!(g.initialAccumulatorValue >= 0))
      throw new RangeError(
        `Adagrad: invalid initialAccumulatorValue value: ${g.initialAccumulatorValue}`,
      );
    if (!(g.eps >= 0)) throw new RangeError(`Adagrad: invalid epsilon value: ${g.eps}`);
  }

  protected override updateGroup(group: ParamGroup<AdagradOptions>, params: Tensor[]): void {
    const states = params.map((p) =>
      this.stateOf<AdagradState>(p, () => ({ step: 0, sum: zerosLikeParam(p) })),
    );
    adagrad(params, states, group);
  }
}
