import { getBackend } from "../backend/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { bufData, gradData, paramData, zerosLikeParam } from "./buffers.js";
import { Optimizer, type ParamGroup, type Params } from "./optimizer.js";

/** Options of `optim.SGD` (PyTorch's, camelCased). */
export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * One SGD update of `params` in place, torch.optim.SGD's maths:
 * `d = g + weightDecay p`; with momentum, `buf = momentum buf + (1 - dampening) d` (buf = d at the
 * first step) and `d = nesterov ? d + momentum buf : buf`; then `p -= lr d`.
 * `momentumBuffers[i]` null means "first step": a buffer is created there. Runs the backend's
 * `sgdStep` kernel (fused in the native backend). Example: `sgd([w], [bufOrNull], hyper)`.
 */
export function sgd(params: Tensor[], momentumBuffers: (Tensor | null)[], hyper: SGDOptions): void {
  const { lr, momentum, dampening, weightDecay, nesterov, maximize } = hyper;
  // The kernel takes one firstStep flag, so parameters with and without buffers go in two calls.
  const isFirst = momentumBuffers.map((b) => b === null);
  for (const first of [true, false]) {
    const idx = params.map((_, i) => i).filter((i) => isFirst[i] === first);
    if (idx.length === 0 || (momentum === 0 && !first)) continue;
    if (momentum !== 0 && first)
      for (const i of idx) momentumBuffers[i] = zerosLikeParam(params[i]);
    const data = idx.map((i) => paramData(params[i]));
    getBackend().sgdStep(
      data.map(([d]) => d),
      idx.map((i) => gradData(params[i])),
      momentum === 0 ? null : idx.map((i) => bufData(momentumBuffers[i]!)),
      lr,
      momentum,
      dampening,
      weightDecay,
      nesterov,
      maximize,
      first,
    );
    for (const [, commit] of data) commit();
  }
}

/**
 * Stochastic gradient descent with PyTorch's options.
 * Example: `new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true })`,
 * `new optim.SGD([{ params: [net.weight], weightDecay: 3 }, { params: [net.bias] }], { lr: 0.003 })`.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> & { lr: number }) {
    super(params, {
      lr: options.lr,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected override validate(g: ParamGroup<SGDOptions>): void {
    if (!(g.momentum >= 0)) throw new RangeError(`SGD: invalid momentum value: ${g.momentum}`);
    if (!(g.weightDecay >= 0))
      throw new RangeError(`SGD: invalid weightDecay value: ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0))
      throw new Error("SGD: nesterov momentum requires a momentum and zero dampening");
  }

  protected override updateGroup(group: ParamGroup<SGDOptions>, params: Tensor[]): void {
    const bufs = params.map((p) => (this.state.get(p)?.momentumBuffer as Tensor | null) ?? null);
    sgd(params, bufs, group);
    params.forEach((p, i) => this.state.set(p, { momentumBuffer: bufs[i] }));
  }
}
