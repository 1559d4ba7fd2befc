// The native Backend's conv / pool / batch-norm / loss / optimiser kernels against the js
// reference backend on the same random inputs.
import { describe, it } from "node:test";
import type { ConvDims, PoolDims } from "../../../src/backend/backend.js";
import { jsBackend } from "../../../src/backend/js/index.js";
import { createNativeBackend } from "../../../src/backend/native/index.js";
import { SKIP, addon, assertClose, randF32, randF64 } from "./helpers.js";

const outSize = (n: number, k: number, s: number, p: number, d: number) =>
  Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;

describe("native Backend nn kernels vs js backend", { skip: SKIP }, () => {
  const nb = addon ? createNativeBackend(addon) : jsBackend;

  for (const f64 of [false, true]) {
    const mk = (n: number, seed: number) => (f64 ? randF64(n, seed) : randF32(n, seed));
    const zeros = (n: number) => (f64 ? new Float64Array(n) : new Float32Array(n));
    const tol = f64 ? 1e-11 : 1e-4;

    it(`conv2d forward and both backward passes (${f64 ? "f64" : "f32"})`, () => {
      // [N, C, H, W, OC, K, stride, pad, dilation, groups]
      for (const [N, C, H, W, OC, K, s, p, d, g] of [
        [2, 3, 9, 7, 4, 3, 1, 1, 1, 1],
        [3, 4, 11, 11, 6, 3, 2, 2, 2, 2],
        [1, 5, 6, 6, 5, 1, 1, 0, 1, 5],
      ] as const) {
        const OH = outSize(H, K, s, p, d),
          OW = outSize(W, K, s, p, d);
        const dims: ConvDims = [N, C, H, W, OC, K, K, s, s, p, p, d, d, g, OH, OW];
        const x = mk(N * C * H * W, 1),
          w = mk((OC * C * K * K) / g, 2),
          b = mk(OC, 3);
        const o1 = zeros(N * OC * OH * OW),
          o2 = zeros(o1.length);
        nb.conv2dForward(x, w, b, o1, ...dims);
        jsBackend.conv2dForward(x, w, b, o2, ...dims);
        assertClose(o1, o2, tol, tol, "conv forward");
        const go = mk(o1.length, 4);
        const gx1 = zeros(x.length),
          gx2 = zeros(x.length);
        nb.conv2dBackwardData(go, w, gx1, ...dims);
        jsBackend.conv2dBackwardData(go, w, gx2, ...dims);
        assertClose(gx1, gx2, tol, tol, "conv backward data");
        const gw1 = zeros(w.length),
          gw2 = zeros(w.length),
          gb1 = zeros(OC),
          gb2 = zeros(OC);
        nb.conv2dBackwardWeight(go, x, gw1, gb1, ...dims);
        jsBackend.conv2dBackwardWeight(go, x, gw2, gb2, ...dims);
        assertClose(gw1, gw2, tol, tol * 10, "conv backward weight");
        assertClose(gb1, gb2, tol, tol, "conv backward bias");
      }
    });

    it(`pooling (${f64 ? "f64" : "f32"})`, () => {
      for (const [N, C, H, W, K, s, p, d] of [
        [2, 3, 9, 7, 3, 2, 1, 1],
        [1, 2, 12, 12, 2, 2, 0, 1],
        [2, 2, 11, 10, 3, 1, 1, 2],
      ] as const) {
        const OH = outSize(H, K, s, p, d),
          OW = outSize(W, K, s, p, d);
        const dims: PoolDims = [N, C, H, W, K, K, s, s, p, p, d, d, OH, OW];
        const x = mk(N * C * H * W, 5);
        const o1 = zeros(N * C * OH * OW),
          o2 = zeros(o1.length);
        const i1 = new Int32Array(o1.length),
          i2 = new Int32Array(o1.length);
        nb.maxPool2dForward(x, o1, i1, ...dims);
        jsBackend.maxPool2dForward(x, o2, i2, ...dims);
        assertClose(o1, o2, 0, 0, "max pool");
        assertClose(i1, i2, 0, 0, "max pool indices");
        const go = mk(o1.length, 6),
          g1 = zeros(x.length),
          g2 = zeros(x.length);
        nb.maxPool2dBackward(go, i1, g1, N, C, H, W, OH, OW);
        jsBackend.maxPool2dBackward(go, i2, g2, N, C, H, W, OH, OW);
        assertClose(g1, g2, tol, tol, "max pool backward");
        if (d !== 1) continue;
        for (const inc of [true, false]) {
          const AH = outSize(H, K, s, p, 1),
            AW = outSize(W, K, s, p, 1);
          const a1 = zeros(N * C * AH * AW),
            a2 = zeros(a1.length);
          nb.avgPool2dForward(x, a1, N, C, H, W, K, K, s, s, p, p, AH, AW, inc);
          jsBackend.avgPool2dForward(x, a2, N, C, H, W, K, K, s, s, p, p, AH, AW, inc);
          assertClose(a1, a2, tol, tol, "avg pool");
          const ga = mk(a1.length, 7),
            b1 = zeros(x.length),
            b2 = zeros(x.length);
          nb.avgPool2dBackward(ga, b1, N, C, H, W, K, K, s, s, p, p, AH, AW, inc);
          jsBackend.avgPool2dBackward(ga, b2, N, C, H, W, K, K, s, s, p, p, AH, AW, inc);
          assertClose(b1, b2, tol, tol, "avg pool backward");
        }
      }
    });

    it(`batch norm (${f64 ? "f64" : "f32"})`, () => {
      const [N, C, HW] = [4, 3, 33];
      const x = mk(N * C * HW, 8),
        w = mk(C, 9),
        b = mk(C, 10);
      const o1 = zeros(x.length),
        o2 = zeros(x.length);
      const m1 = zeros(C),
        m2 = zeros(C),
        s1 = zeros(C),
        s2 = zeros(C);
      nb.batchNormForwardTrain(x, w, b, o1, m1, s1, N, C, HW, 1e-5);
      jsBackend.batchNormForwardTrain(x, w, b, o2, m2, s2, N, C, HW, 1e-5);
      assertClose(o1, o2, tol, tol, "bn train");
      assertClose(s1, s2, tol, tol, "bn invstd");
      const rv = f64 ? randF64(C, 11, 0.5, 2) : randF32(C, 11, 0.5, 2);
      nb.batchNormForwardEval(x, w, null, m1, rv, o1, N, C, HW, 1e-5);
      jsBackend.batchNormForwardEval(x, w, null, m1, rv, o2, N, C, HW, 1e-5);
      assertClose(o1, o2, tol, tol, "bn eval");
      const go = mk(x.length, 12);
      const gx1 = zeros(x.length),
        gx2 = zeros(x.length),
        gw1 = zeros(C),
        gw2 = zeros(C),
        gb1 = zeros(C),
        gb2 = zeros(C);
      nb.batchNormBackward(go, x, w, m1, s1, gx1, gw1, gb1, N, C, HW);
      jsBackend.batchNormBackward(go, x, w, m1, s1, gx2, gw2, gb2, N, C, HW);
      assertClose(gx1, gx2, tol * 10, tol * 10, "bn gradX");
      assertClose(gw1, gw2, tol * 10, tol * 10, "bn gradWeight");
      assertClose(gb1, gb2, tol, tol, "bn gradBias");
    });

    it(`cross entropy and optimiser steps (${f64 ? "f64" : "f32"})`, () => {
      const [N, C] = [33, 10];
      const x = mk(N * C, 13),
        t = Int32Array.from({ length: N }, (_, i) => (i * 3) % C);
      const l1 = zeros(N),
        l2 = zeros(N),
        s1 = zeros(N * C),
        s2 = zeros(N * C);
      nb.crossEntropy(x, t, N, C, l1, s1);
      jsBackend.crossEntropy(x, t, N, C, l2, s2);
      assertClose(l1, l2, tol, tol, "cross entropy");
      const g = mk(N, 14),
        d1 = zeros(N * C),
        d2 = zeros(N * C);
      nb.crossEntropyBackward(s1, t, g, d1, N, C);
      jsBackend.crossEntropyBackward(s2, t, g, d2, N, C);
      assertClose(d1, d2, tol, tol, "cross entropy backward");

      const sizes = [7, 129];
      const p1 = sizes.map((n, i) => mk(n, 20 + i)),
        p2 = p1.map((p) => p.slice());
      const b1 = sizes.map(zeros),
        b2 = sizes.map(zeros);
      for (let step = 0; step < 3; step++) {
        const grads = sizes.map((n, i) => mk(n, 30 + step * 2 + i));
        nb.sgdStep(p1, grads, b1, 0.1, 0.9, 0, 1e-3, true, false, step === 0);
        jsBackend.sgdStep(p2, grads, b2, 0.1, 0.9, 0, 1e-3, true, false, step === 0);
      }
      p1.forEach((p, i) => assertClose(p, p2[i]!, tol, tol, "sgd"));
      const q1 = sizes.map((n, i) => mk(n, 40 + i)),
        q2 = q1.map((p) => p.slice());
      const st = () => ({ m: sizes.map(zeros), v: sizes.map(zeros), x: sizes.map(zeros) });
      const a = st(),
        bb = st();
      for (let step = 1; step <= 3; step++) {
        const grads = sizes.map((n, i) => mk(n, 50 + step * 2 + i));
        nb.adamStep(
          q1,
          grads,
          a.m,
          a.v,
          a.x,
          1e-2,
          0.9,
          0.999,
          1e-8,
          1e-2,
          true,
          false,
          step,
          true,
        );
        jsBackend.adamStep(
          q2,
          grads,
          bb.m,
          bb.v,
          bb.x,
          1e-2,
          0.9,
          0.999,
          1e-8,
          1e-2,
          true,
          false,
          step,
          true,
        );
      }
      q1.forEach((p, i) => assertClose(p, q2[i]!, tol, tol, "adamw"));

      // RMSprop (centered, momentum), Adagrad (lr decay), Adadelta: 3 steps each.
      const r1 = sizes.map((n, i) => mk(n, 60 + i)),
        r2 = r1.map((p) => p.slice());
      const rs = () => ({ sq: sizes.map(zeros), ga: sizes.map(zeros), buf: sizes.map(zeros) });
      const ra = rs(),
        rb = rs();
      const u1 = r1.map((p) => p.slice()),
        u2 = r1.map((p) => p.slice());
      const sa = sizes.map(zeros),
        sb = sizes.map(zeros);
      const v1 = r1.map((p) => p.slice()),
        v2 = r1.map((p) => p.slice());
      const da = { sq: sizes.map(zeros), acc: sizes.map(zeros) },
        db = { sq: sizes.map(zeros), acc: sizes.map(zeros) };
      for (let step = 1; step <= 3; step++) {
        const grads = sizes.map((n, i) => mk(n, 70 + step * 2 + i));
        nb.rmspropStep(r1, grads, ra.sq, ra.ga, ra.buf, 1e-2, 0.99, 1e-8, 1e-3, 0.9, true, false);
        jsBackend.rmspropStep(
          r2,
          grads,
          rb.sq,
          rb.ga,
          rb.buf,
          1e-2,
          0.99,
          1e-8,
          1e-3,
          0.9,
          true,
          false,
        );
        nb.adagradStep(u1, grads, sa, 1e-2, 0.1, 1e-3, 1e-10, true, step);
        jsBackend.adagradStep(u2, grads, sb, 1e-2, 0.1, 1e-3, 1e-10, true, step);
        nb.adadeltaStep(v1, grads, da.sq, da.acc, 1, 0.9, 1e-6, 1e-3, false);
        jsBackend.adadeltaStep(v2, grads, db.sq, db.acc, 1, 0.9, 1e-6, 1e-3, false);
      }
      r1.forEach((p, i) => assertClose(p, r2[i]!, tol, tol, "rmsprop"));
      u1.forEach((p, i) => assertClose(p, u2[i]!, tol, tol, "adagrad"));
      v1.forEach((p, i) => assertClose(p, v2[i]!, tol, tol, "adadelta"));
    });

    it(`im2col / col2im (${f64 ? "f64" : "f32"})`, () => {
      for (const [N, C, H, W, K, s, p, d] of [
        [2, 3, 9, 7, 3, 2, 1, 1],
        [1, 2, 12, 11, 3, 1, 2, 2],
      ] as const) {
        const OH = outSize(H, K, s, p, d),
          OW = outSize(W, K, s, p, d);
        const dims: PoolDims = [N, C, H, W, K, K, s, s, p, p, d, d, OH, OW];
        const x = mk(N * C * H * W, 80);
        const c1 = zeros(N * C * K * K * OH * OW),
          c2 = zeros(c1.length);
        nb.im2col(x, c1, ...dims);
        jsBackend.im2col(x, c2, ...dims);
        assertClose(c1, c2, 0, 0, "im2col");
        const x1 = zeros(x.length).fill(5),
          x2 = zeros(x.length).fill(5);
        nb.col2im(c1, x1, ...dims);
        jsBackend.col2im(c2, x2, ...dims);
        assertClose(x1, x2, tol, tol, "col2im");
      }
    });
  }
});
