import { getBackend } from "../backend/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { bufData, gradData, ParamArrays, zerosLikeParam } from "./buffers.js";
import { Optimizer, type ParamGroup, type Params } from "./optimizer.js";

/** Options of `optim.RMSprop` (PyTorch's, camelCased). */
export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/** The state of one parameter under RMSprop. */
export interface RMSpropState {
  step: number;
  squareAvg: Tensor;
  gradAvg: Tensor | null;
  momentumBuffer: Tensor | null;
  [key: string]: Tensor | number | null;
}

/**
 * One RMSprop update in place (torch.optim.RMSprop's maths): `v = alpha v + (1 - alpha) d^2`;
 * `avg = sqrt(v - gAvg^2) + eps` when centered (gAvg a running mean of d), else `sqrt(v) + eps`;
 * with momentum `buf = momentum buf + d / avg; p -= lr buf`, else `p -= lr d / avg`.
 * Example: `rmsprop([w], [state], hyper)`.
 */
export function rmsprop(params: Tensor[], states: RMSpropState[], hyper: RMSpropOptions): void {
  const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = hyper;
  for (const s of states) s.step += 1;
  const data = new ParamArrays(params);
  getBackend().rmspropStep(
    data.data,
    params.map(gradData),
    states.map((s) => bufData(s.squareAvg)),
    centered ? states.map((s) => bufData(s.gradAvg!)) : null,
    momentum > 0 ? states.map((s) => bufData(s.momentumBuffer!)) : null,
    lr,
    alpha,
    eps,
    weightDecay,
    momentum,
    centered,
    maximize,
  );
  data.commit();
}

/**
 * RMSprop (Hinton), with PyTorch's defaults (lr 0.01, alpha 0.99, eps 1e-8).
 * Example: `new optim.RMSprop(net.parameters(), { lr: 0.01, alpha: 0.9 })`.
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, {
      lr: options.lr ?? 1e-2,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected override validate(g: ParamGroup<RMSpropOptions>): void {
    if (!(g.eps >= 0)) throw new RangeError(`RMSprop: invalid epsilon value: ${g.eps}`);
    if (!(g.momentum >= 0)) throw new RangeError(`RMSprop: invalid momentum value: ${g.momentum}`);
    if (!(g.weightDecay >= 0))
      throw new RangeError(`RMSprop: invalid weightDecay value: ${g.weightDecay}`);
    if (!(g.alpha >= 0)) throw new RangeError(`RMSprop: invalid alpha value: ${g.alpha}`);
  }

  protected override updateGroup(group: ParamGroup<RMSpropOptions>, params: Tensor[]): void {
    const states = params.map((p) => {
      const s = this.stateOf<RMSpropState>(p, () => ({
        step: 0,
        squareAvg: zerosLikeParam(p),
        gradAvg: null,
        momentumBuffer: null,
      }));
      if (group.centered && s.gradAvg === null) s.gradAvg = zerosLikeParam(p);
      if (group.momentum > 0 && s.momentumBuffer === null) s.momentumBuffer = zerosLikeParam(p);
      return s;
    });
    rmsprop(params, states, group);
  }
}
