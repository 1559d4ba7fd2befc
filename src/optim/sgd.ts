import { getBackend } from "../backend/index.js";
import type { TypedArray } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { bufData, gradData, ParamArrays, zerosLikeParam } from "./buffers.js";
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
  if (hyper.momentum === 0) {
    // No buffer is read or made, even for parameters that have one from steps with momentum.
    sgdCall(
      params,
      momentumBuffers,
      hyper,
      params.map((_, i) => i),
      true,
    );
    return;
  }
  // The kernel takes one firstStep flag, so parameters with and without buffers go in two calls.
  const fresh: number[] = [];
  const stepped: number[] = [];
  for (let i = 0; i < params.length; i++) (momentumBuffers[i] === null ? fresh : stepped).push(i);
  if (fresh.length > 0) sgdCall(params, momentumBuffers, hyper, fresh, true);
  if (stepped.length > 0) sgdCall(params, momentumBuffers, hyper, stepped, false);
}

/** One `sgdStep` kernel call over `params[i]` for i in `idx`, all at the same `first` state. */
function sgdCall(
  params: Tensor[],
  momentumBuffers: (Tensor | null)[],
  hyper: SGDOptions,
  idx: number[],
  first: boolean,
): void {
  const { lr, momentum, dampening, weightDecay, nesterov, maximize } = hyper;
  const chosen: Tensor[] = [];
  const grads: TypedArray[] = [];
  const bufs: TypedArray[] = [];
  for (const i of idx) {
    const p = params[i]!;
    chosen.push(p);
    grads.push(gradData(p));
    if (momentum === 0) continue;
    if (first) momentumBuffers[i] = zerosLikeParam(p);
    bufs.push(bufData(momentumBuffers[i]!));
  }
  const data = new ParamArrays(chosen);
  getBackend().sgdStep(
    data.data,
    grads,
    momentum === 0 ? null : bufs,
    lr,
    momentum,
    dampening,
    weightDecay,
    nesterov,
    maximize,
    first,
  );
  data.commit();
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
    const bufs: (Tensor | null)[] = [];
    for (const p of params) bufs.push((this.state.get(p)?.momentumBuffer as Tensor | null) ?? null);
    sgd(params, bufs, group);
    // Plain SGD keeps no buffer: its state entry is written once, not replaced every step.
    for (let i = 0; i < params.length; i++) {
      const s = this.state.get(params[i]!);
      if (s === undefined) this.state.set(params[i]!, { momentumBuffer: bufs[i] ?? null });
      else s.momentumBuffer = bufs[i] ?? null;
    }
  }
}
