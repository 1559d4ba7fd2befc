// Reference optimiser steps: torch.optim's single-tensor update order, element by element, in
// place on every parameter. Scalars are computed in double precision, as Python does.
import type { TypedArray } from "../../tensor/dtype.js";

/** torch.optim.SGD over every parameter (see Backend.sgdStep). */
export function sgdStep(
  params: TypedArray[],
  grads: TypedArray[],
  momentumBufs: (TypedArray | null)[] | null,
  lr: number,
  momentum: number,
  dampening: number,
  weightDecay: number,
  nesterov: boolean,
  maximize: boolean,
  firstStep: boolean,
): void {
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    const g = grads[k];
    const buf = momentumBufs?.[k] ?? null;
    if (momentum !== 0 && buf === null)
      throw new Error(`sgdStep: parameter ${k} needs a momentum buffer`);
    for (let i = 0; i < p.length; i++) {
      let d = maximize ? -g[i] : g[i];
      if (weightDecay !== 0) d += weightDecay * p[i];
      if (momentum !== 0) {
        const b = firstStep ? d : momentum * buf![i] + (1 - dampening) * d;
        buf![i] = b;
        d = nesterov ? d + momentum * b : b;
      }
      p[i] -= lr * d;
    }
  }
}

/** torch.optim.Adam / AdamW over every parameter (see Backend.adamStep). */
export function adamStep(
  params: TypedArray[],
  grads: TypedArray[],
  expAvg: TypedArray[],
  expAvgSq: TypedArray[],
  maxExpAvgSq: (TypedArray | null)[] | null,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  amsgrad: boolean,
  maximize: boolean,
  step: number,
  decoupled: boolean,
): void {
  const bc1 = 1 - beta1 ** step;
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const stepSize = lr / bc1;
  const w = 1 - beta1;
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    const g = grads[k];
    const m = expAvg[k];
    const v = expAvgSq[k];
    const vmax = amsgrad ? maxExpAvgSq?.[k] : null;
    if (amsgrad && !vmax) throw new Error(`adamStep: parameter ${k} needs a maxExpAvgSq buffer`);
    for (let i = 0; i < p.length; i++) {
      let d = maximize ? -g[i] : g[i];
      if (weightDecay !== 0) {
        if (decoupled) p[i] *= 1 - lr * weightDecay;
        else d += weightDecay * p[i];
      }
      // exp_avg.lerp_(grad, 1 - beta1), in lerp's two-sided form.
      const mi = w < 0.5 ? m[i] + w * (d - m[i]) : d - (d - m[i]) * (1 - w);
      m[i] = mi;
      let vi = v[i] * beta2 + (1 - beta2) * d * d;
      v[i] = vi;
      if (vmax) {
        vi = Math.max(vmax[i], vi);
        vmax[i] = vi;
      }
      p[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
    }
  }
}

/** torch.optim.RMSprop over every parameter (see Backend.rmspropStep). */
export function rmspropStep(
  params: TypedArray[],
  grads: TypedArray[],
  squareAvgs: TypedArray[],
  gradAvgs: TypedArray[] | null,
  momentumBufs: TypedArray[] | null,
  lr: number,
  alpha: number,
  eps: number,
  weightDecay: number,
  momentum: number,
  centered: boolean,
  maximize: boolean,
): void {
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    const g = grads[k];
    const sq = squareAvgs[k];
    const ga = centered ? gradAvgs![k] : null;
    const buf = momentum > 0 ? momentumBufs![k] : null;
    for (let i = 0; i < p.length; i++) {
      let d = maximize ? -g[i] : g[i];
      if (weightDecay !== 0) d += weightDecay * p[i];
      sq[i] = sq[i] * alpha + (1 - alpha) * d * d;
      let avg: number;
      if (ga) {
        ga[i] += (1 - alpha) * (d - ga[i]);
        avg = Math.sqrt(sq[i] - ga[i] * ga[i]);
      } else {
        avg = Math.sqrt(sq[i]);
      }
      avg += eps;
      if (buf) {
        buf[i] = buf[i] * momentum + d / avg;
        p[i] -= lr * buf[i];
      } else {
        p[i] -= (lr * d) / avg;
      }
    }
  }
}

/** torch.optim.Adagrad over every parameter (see Backend.adagradStep). */
export function adagradStep(
  params: TypedArray[],
  grads: TypedArray[],
  stateSums: TypedArray[],
  lr: number,
  lrDecay: number,
  weightDecay: number,
  eps: number,
  maximize: boolean,
  step: number,
): void {
  const clr = lr / (1 + (step - 1) * lrDecay);
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    const g = grads[k];
    const s = stateSums[k];
    for (let i = 0; i < p.length; i++) {
      let d = maximize ? -g[i] : g[i];
      if (weightDecay !== 0) d += weightDecay * p[i];
      s[i] += d * d;
      p[i] -= (clr * d) / (Math.sqrt(s[i]) + eps);
    }
  }
}

/** torch.optim.Adadelta over every parameter (see Backend.adadeltaStep). */
export function adadeltaStep(
  params: TypedArray[],
  grads: TypedArray[],
  squareAvgs: TypedArray[],
  accDeltas: TypedArray[],
  lr: number,
  rho: number,
  eps: number,
  weightDecay: number,
  maximize: boolean,
): void {
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    const g = grads[k];
    const sq = squareAvgs[k];
    const acc = accDeltas[k];
    for (let i = 0; i < p.length; i++) {
      let d = maximize ? -g[i] : g[i];
      if (weightDecay !== 0) d += weightDecay * p[i];
      sq[i] = sq[i] * rho + (1 - rho) * d * d;
      const delta = (Math.sqrt(acc[i] + eps) / Math.sqrt(sq[i] + eps)) * d;
      acc[i] = acc[i] * rho + (1 - rho) * delta * delta;
      p[i] -= lr * delta;
    }
  }
}
