import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SKIP, assertClose, nat, randF32, randF64 } from "./helpers.js";

// torch.optim.SGD and Adam/AdamW, written from the PyTorch documentation's algorithms, in double.
interface Sgd {
  lr: number;
  momentum: number;
  dampening: number;
  wd: number;
  nesterov: boolean;
  maximize: boolean;
}
function refSgd(c: Sgd, p: number[], g: readonly number[], buf: number[], first: boolean): void {
  for (let i = 0; i < p.length; i++) {
    let d = c.maximize ? -g[i]! : g[i]!;
    if (c.wd !== 0) d += c.wd * p[i]!;
    if (c.momentum !== 0) {
      buf[i] = first ? d : c.momentum * buf[i]! + (1 - c.dampening) * d;
      d = c.nesterov ? d + c.momentum * buf[i]! : buf[i]!;
    }
    p[i] = p[i]! - c.lr * d;
  }
}

interface Adam {
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  wd: number;
  amsgrad: boolean;
  maximize: boolean;
  decoupled: boolean;
}
function refAdam(
  c: Adam,
  p: number[],
  g: readonly number[],
  m: number[],
  v: number[],
  vmax: number[],
  step: number,
): void {
  const bc1 = 1 - c.b1 ** step,
    bc2 = 1 - c.b2 ** step;
  for (let i = 0; i < p.length; i++) {
    let d = c.maximize ? -g[i]! : g[i]!;
    if (c.wd !== 0) {
      if (c.decoupled) p[i] = p[i]! * (1 - c.lr * c.wd);
      else d += c.wd * p[i]!;
    }
    m[i] = c.b1 * m[i]! + (1 - c.b1) * d;
    v[i] = c.b2 * v[i]! + (1 - c.b2) * d * d;
    let vh = v[i]!;
    if (c.amsgrad) vh = vmax[i] = Math.max(vmax[i]!, v[i]!);
    p[i] = p[i]! - (c.lr / bc1) * (m[i]! / (Math.sqrt(vh) / Math.sqrt(bc2) + c.eps));
  }
}

const SIZES = [1, 7, 33, 129, 70001];

describe("sgdStep", { skip: SKIP }, () => {
  const configs: Sgd[] = [
    { lr: 0.1, momentum: 0, dampening: 0, wd: 0, nesterov: false, maximize: false },
    { lr: 0.05, momentum: 0.9, dampening: 0, wd: 1e-2, nesterov: false, maximize: false },
    { lr: 0.05, momentum: 0.9, dampening: 0.1, wd: 0, nesterov: false, maximize: true },
    { lr: 0.01, momentum: 0.8, dampening: 0, wd: 5e-4, nesterov: true, maximize: false },
  ];
  for (const f64 of [false, true]) {
    it(`matches torch.optim.SGD over 3 steps (${f64 ? "f64" : "f32"})`, () => {
      const m = nat();
      let seed = 1;
      const mk = (n: number) => (f64 ? randF64(n, seed++) : randF32(n, seed++));
      for (const c of configs) {
        const params = SIZES.map(mk);
        const bufs = SIZES.map((n) => (c.momentum ? mk(n) : null));
        const refP = params.map((p) => Array.from(p));
        const refB = SIZES.map((n) => new Array<number>(n).fill(0));
        for (let step = 0; step < 3; step++) {
          const grads = SIZES.map(mk);
          m.sgdStep(
            params,
            grads,
            bufs,
            c.lr,
            c.momentum,
            c.dampening,
            c.wd,
            c.nesterov,
            c.maximize,
            step === 0,
          );
          refP.forEach((p, i) => refSgd(c, p, Array.from(grads[i]!), refB[i]!, step === 0));
        }
        params.forEach((p, i) =>
          assertClose(
            p,
            refP[i]!,
            f64 ? 1e-13 : 1e-5,
            f64 ? 1e-13 : 1e-6,
            `SGD ${JSON.stringify(c)} param ${i}`,
          ),
        );
        if (c.momentum)
          bufs.forEach((b, i) =>
            assertClose(b!, refB[i]!, f64 ? 1e-13 : 1e-5, 1e-6, "momentum buffer"),
          );
      }
    });
  }

  it("validates lists", () => {
    const m = nat();
    const p = [new Float32Array(3)];
    assert.throws(
      () => m.sgdStep(p, [new Float32Array(2)], null, 0.1, 0, 0, 0, false, false, true),
      /grads\[0\].*length 2/,
    );
    assert.throws(
      () => m.sgdStep(p, [new Float32Array(3)], [null], 0.1, 0.9, 0, 0, false, false, true),
      /momentumBufs\[0\] is null/,
    );
    assert.throws(
      () =>
        m.sgdStep(
          p,
          [new Float32Array(3)],
          [new Float32Array(3)],
          0.1,
          0.9,
          0.5,
          0,
          true,
          false,
          true,
        ),
      /nesterov/,
    );
  });
});

describe("adamStep", { skip: SKIP }, () => {
  const configs: Adam[] = [
    {
      lr: 1e-3,
      b1: 0.9,
      b2: 0.999,
      eps: 1e-8,
      wd: 0,
      amsgrad: false,
      maximize: false,
      decoupled: false,
    },
    {
      lr: 1e-2,
      b1: 0.8,
      b2: 0.99,
      eps: 1e-6,
      wd: 1e-2,
      amsgrad: true,
      maximize: false,
      decoupled: false,
    },
    {
      lr: 1e-3,
      b1: 0.9,
      b2: 0.999,
      eps: 1e-8,
      wd: 1e-2,
      amsgrad: false,
      maximize: true,
      decoupled: true,
    },
    {
      lr: 3e-3,
      b1: 0.3,
      b2: 0.9,
      eps: 1e-8,
      wd: 0.1,
      amsgrad: true,
      maximize: false,
      decoupled: true,
    },
  ];
  for (const f64 of [false, true]) {
    it(`matches torch.optim.Adam / AdamW over 4 steps (${f64 ? "f64" : "f32"})`, () => {
      const m = nat();
      let seed = 100;
      const mk = (n: number) => (f64 ? randF64(n, seed++) : randF32(n, seed++));
      const zeros = (n: number) => (f64 ? new Float64Array(n) : new Float32Array(n));
      for (const c of configs) {
        const params = SIZES.map(mk);
        const ms = SIZES.map(zeros),
          vs = SIZES.map(zeros),
          vmax = SIZES.map((n) => (c.amsgrad ? zeros(n) : null));
        const rp = params.map((p) => Array.from(p));
        const rm = SIZES.map((n) => new Array<number>(n).fill(0));
        const rv = SIZES.map((n) => new Array<number>(n).fill(0));
        const rx = SIZES.map((n) => new Array<number>(n).fill(0));
        for (let step = 1; step <= 4; step++) {
          const grads = SIZES.map(mk);
          m.adamStep(
            params,
            grads,
            ms,
            vs,
            vmax,
            c.lr,
            c.b1,
            c.b2,
            c.eps,
            c.wd,
            c.amsgrad,
            c.maximize,
            step,
            c.decoupled,
          );
          rp.forEach((p, i) => refAdam(c, p, Array.from(grads[i]!), rm[i]!, rv[i]!, rx[i]!, step));
        }
        params.forEach((p, i) =>
          assertClose(
            p,
            rp[i]!,
            f64 ? 1e-12 : 1e-5,
            f64 ? 1e-12 : 1e-6,
            `Adam ${JSON.stringify(c)} param ${i}`,
          ),
        );
        vs.forEach((v, i) => assertClose(v, rv[i]!, f64 ? 1e-12 : 1e-5, 1e-9, "exp_avg_sq"));
      }
    });
  }
});
