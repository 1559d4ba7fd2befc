import { getBackend } from "../backend/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { bufData, gradData, ParamArrays, zerosLikeParam } from "./buffers.js";
import { Optimizer, type ParamGroup, type Params } from "./optimizer.js";

/** Options of `optim.Adadelta` (PyTorch's, camelCased). */
export interface AdadeltaOptions {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** The state of one parameter under Adadelta. */
export interface AdadeltaState {
  step: number;
  squareAvg: Tensor;
  accDelta: Tensor;
  [key: string]: Tensor | number | null;
}

/**
 * One Adadelta update in place (torch.optim.Adadelta's maths): `v = rho v + (1 - rho) d^2`,
 * `delta = sqrt(u + eps) / sqrt(v + eps) * d`, `u = rho u + (1 - rho) delta^2`, `p -= lr delta`.
 * Example: `adadelta([w], [state], hyper)`.
 */
export function adadelta(params: Tensor[], states: AdadeltaState[], hyper: AdadeltaOptions): void {
  const { lr, rho, eps, weightDecay, maximize } = hyper;
  for (const s of states) s.step += 1;
  const data = new ParamArrays(params);
  getBackend().adadeltaStep(
    data.data,
    params.map(gradData),
    states.map((s) => bufData(s.squareAvg)),
    states.map((s) => bufData(s.accDelta)),
    lr,
    rho,
    eps,
    weightDecay,
    maximize,
  );
  data.commit();
}

/**
 * Adadelta (Zeiler), with PyTorch's defaults (lr 1, rho 0.9, eps 1e-6).
 * Example: `new optim.Adadelta(net.parameters())`.
 */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  constructor(params: Params<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    super(params, {
      lr: options.lr ?? 1,
      rho: options.rho ?? 0.9,
      eps: options.eps ?? 1e-6,
      weightDecay: options.weightDecay ?? 0,
      maximize: options.maximize ?? false,
    });
  }

  protected override validate(g: ParamGroup<AdadeltaOptions>): void {
    if (!(g.rho >= 0 && g.rho <= 1)) throw new RangeError(`Adadelta: invalid rho value: ${g.rho}`);
    if (!(g.eps >= 0)) throw new RangeError(`Adadelta: invalid epsilon value: ${g.eps}`);
    if (!(g.weightDecay >= 0))
      throw new RangeError(`Adadelta: invalid weightDecay value: ${g.weightDecay}`);
  }

  protected override updateGroup(group: ParamGroup<AdadeltaOptions>, params: Tensor[]): void {
    const states = params.map((p) =>
      this.stateOf<AdadeltaState>(p, () => ({
        step: 0,
        squareAvg: zerosLikeParam(p),
        accDelta: zerosLikeParam(p),
      })),
    );
    adadelta(params, states, group);
  }
}
