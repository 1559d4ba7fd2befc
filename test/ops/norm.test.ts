// Normalisation: batch norm's training output, running statistics (biased variance to normalise,
// unbiased for running_var, momentum 0.1) and eval output against a hand computation over
// several steps; layer and group norm against their definitions; gradcheck in training mode,
// eval mode and double backward.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as nb from "nabla";
import { assertClose, assertThrowsWith, gradcheckTable, leaf } from "../helpers.js";
import { forEachBackend } from "./backends.js";

/** Per-channel mean and biased/unbiased variance of x[N, C, *], in double. */
function channelStats(x: nb.Tensor): { mean: number[]; biased: number[]; unbiased: number[] } {
  const [N, C] = x.shape;
  const HW = x.numel() / (N * C);
  const d = x.data();
  const mean: number[] = [];
  const biased: number[] = [];
  const unbiased: number[] = [];
  for (let c = 0; c < C; c++) {
    const vals: number[] = [];
    for (let n = 0; n < N; n++) for (let i = 0; i < HW; i++) vals.push(d[(n * C + c) * HW + i]);
    const m = vals.reduce((a, b) => a + b, 0) / vals.length;
    const q = vals.reduce((a, b) => a + (b - m) ** 2, 0);
    mean.push(m);
    biased.push(q / vals.length);
    unbiased.push(q / (vals.length - 1));
  }
  return { mean, biased, unbiased };
}

/** (x - mean[c]) / sqrt(var[c] + eps) * w[c] + b[c] over x[N, C, *]. */
function affineNorm(
  x: nb.Tensor,
  mean: number[],
  v: number[],
  w: number[],
  b: number[],
  eps: number,
): number[] {
  const [N, C] = x.shape;
  const HW = x.numel() / (N * C);
  const d = x.data();
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < HW; i++)
        out.push(((d[(n * C + c) * HW + i] - mean[c]) / Math.sqrt(v[c] + eps)) * w[c] + b[c]);
  return out;
}

forEachBackend(() => {
  describe("batchNorm", () => {
    test("training output, running statistics over several steps, then eval output", () => {
      nb.manualSeed(21);
      const C = 3;
      const eps = 1e-5;
      const momentum = 0.1;
      const weight = nb.tensor([1.5, -0.5, 2]);
      const bias = nb.tensor([0.1, 0.2, -0.3]);
      const runningMean = nb.zeros([C]);
      const runningVar = nb.ones([C]);
      const rm = [0, 0, 0];
      const rv = [1, 1, 1];
      for (let step = 0; step < 5; step++) {
        const x = nb
          .randn([4, C, 3, 2])
          .mul(2 + step)
          .add(step - 1);
        const out = nb.batchNorm(x, runningMean, runningVar, weight, bias, true, momentum, eps);
        const s = channelStats(x);
        assertClose(
          out.data(),
          affineNorm(x, s.mean, s.biased, [1.5, -0.5, 2], [0.1, 0.2, -0.3], eps),
          { atol: 2e-5, rtol: 1e-4 },
        );
        for (let c = 0; c < C; c++) {
          rm[c] = (1 - momentum) * rm[c] + momentum * s.mean[c];
          rv[c] = (1 - momentum) * rv[c] + momentum * s.unbiased[c];
        }
        assertClose(runningMean, rm, { atol: 1e-5, rtol: 1e-5 });
        assertClose(runningVar, rv, { atol: 1e-5, rtol: 1e-5 });
      }
      const x = nb.randn([2, C, 4]);
      const evalOut = nb.batchNorm(x, runningMean, runningVar, weight, bias, false, momentum, eps);
      assertClose(evalOut.data(), affineNorm(x, rm, rv, [1.5, -0.5, 2], [0.1, 0.2, -0.3], eps), {
        atol: 1e-5,
        rtol: 1e-4,
      });
      // Eval mode leaves the running statistics alone.
      assertClose(runningMean, rm, { atol: 1e-5, rtol: 1e-5 });
    });

    test("2-D input [N, C], no affine, no running stats; stats updated without recording a graph", () => {
      const x = nb.tensor(
        [
          [1, 10],
          [3, 20],
          [5, 60],
        ],
        { requiresGrad: true },
      );
      const out = nb.batchNorm(x, null, null, null, null, true);
      const s = channelStats(x.detach());
      assertClose(out.data(), affineNorm(x.detach(), s.mean, s.biased, [1, 1], [0, 0], 1e-5), {
        atol: 1e-5,
      });
      const rm = nb.zeros([2]);
      const rv = nb.ones([2]);
      nb.batchNorm(x, rm, rv, null, null, true, 0.5);
      assert.equal(rm.requiresGrad, false);
      assertClose(rm, [1.5, 15], { atol: 1e-5 });
      assertClose(rv, [0.5 + 0.5 * 4, 0.5 + 0.5 * s.unbiased[1]], { rtol: 1e-5 });
    });

    test("errors: one value per channel in training, missing running stats in eval, bad shapes", () => {
      assertThrowsWith(
        () => nb.batchNorm(nb.randn([1, 3]), null, null, null, null, true),
        "batchNorm",
        "more than 1 value per channel",
        "[1,3]",
      );
      assertThrowsWith(
        () => nb.batchNorm(nb.randn([2, 3]), null, null),
        "batchNorm",
        "evaluation mode",
      );
      assertThrowsWith(
        () => nb.batchNorm(nb.randn([2, 3]), null, null, nb.ones([4]), null, true),
        "batchNorm",
        "weight",
        "[4]",
      );
    });
  });

  describe("layerNorm and groupNorm", () => {
    test("layerNorm normalises the trailing dims with the biased variance", () => {
      nb.manualSeed(22);
      const x = nb.randn([2, 3, 4], { dtype: "float64" });
      const w = nb.randn([3, 4], { dtype: "float64" });
      const b = nb.randn([3, 4], { dtype: "float64" });
      const out = nb.layerNorm(x, [3, 4], w, b, 1e-5);
      const m = x.mean([1, 2], true);
      const v = x.sub(m).square().mean([1, 2], true);
      assertClose(out, x.sub(m).div(v.add(1e-5).sqrt()).mul(w).add(b), { atol: 1e-12 });
      const last = nb.layerNorm(x, 4);
      const m1 = x.mean(-1, true);
      assertClose(last, x.sub(m1).div(x.sub(m1).square().mean(-1, true).add(1e-5).sqrt()), {
        atol: 1e-12,
      });
      assertThrowsWith(() => nb.layerNorm(x, [3]), "layerNorm", "[2,3,4]", "[3]");
    });

    test("groupNorm normalises each group of channels per sample", () => {
      nb.manualSeed(23);
      const x = nb.randn([2, 6, 3, 2], { dtype: "float64" });
      const w = nb.randn([6], { dtype: "float64" });
      const b = nb.randn([6], { dtype: "float64" });
      const out = nb.groupNorm(x, 3, w, b);
      const g = x.reshape([2, 3, -1]);
      const m = g.mean(2, true);
      const v = g.sub(m).square().mean(2, true);
      const ref = g
        .sub(m)
        .div(v.add(1e-5).sqrt())
        .reshape([2, 6, 3, 2])
        .mul(w.reshape([1, 6, 1, 1]))
        .add(b.reshape([1, 6, 1, 1]));
      assertClose(out, ref, { atol: 1e-12 });
      assertThrowsWith(() => nb.groupNorm(x, 4), "groupNorm", "6 channels", "4 groups");
    });
  });

  gradcheckTable("normalisation", [
    {
      name: "batchNorm training [N, C, H, W] with weight and bias",
      fn: (x, w, b) => nb.batchNorm(x, null, null, w, b, true),
      inputs: () => [leaf([3, 2, 2, 3]), leaf([2]), leaf([2])],
    },
    {
      name: "batchNorm training [N, C] batch 2, no affine, updating running stats",
      fn: (x) =>
        nb.batchNorm(
          x,
          nb.zeros([3], { dtype: "float64" }),
          nb.ones([3], { dtype: "float64" }),
          null,
          null,
          true,
        ),
      inputs: () => [leaf([2, 3])],
    },
    {
      name: "batchNorm training [N, C, L] weight only, non-contiguous input",
      fn: (x, w) => nb.batchNorm(x.transpose(0, 2), null, null, w, null, true),
      inputs: () => [leaf([4, 3, 2]), leaf([3])],
    },
    {
      name: "batchNorm eval",
      fn: (x, w, b) =>
        nb.batchNorm(
          x,
          nb.tensor([0.5, -1], { dtype: "float64" }),
          nb.tensor([2, 0.5], { dtype: "float64" }),
          w,
          b,
          false,
        ),
      inputs: () => [leaf([2, 2, 3]), leaf([2]), leaf([2])],
    },
    {
      name: "batchNorm training double backward",
      fn: (x, w) => {
        const y = nb.batchNorm(x, null, null, w, null, true);
        const [gx, gw] = nb.grad(y.pow(3).sum(), [x, w], { createGraph: true });
        return [gx!.square().sum(), gw!.square().sum()];
      },
      inputs: () => [leaf([3, 2, 2]), leaf([2])],
    },
    {
      name: "layerNorm over [3, 4] with weight and bias",
      fn: (x, w, b) => nb.layerNorm(x, [3, 4], w, b),
      inputs: () => [leaf([2, 3, 4]), leaf([3, 4]), leaf([3, 4])],
    },
    {
      name: "layerNorm double backward",
      fn: (x) => {
        const [g] = nb.grad(nb.layerNorm(x, 5).pow(3).sum(), [x], { createGraph: true });
        return g!.square();
      },
      inputs: () => [leaf([2, 5])],
    },
    {
      name: "groupNorm 2 groups with weight and bias",
      fn: (x, w, b) => nb.groupNorm(x, 2, w, b),
      inputs: () => [leaf([2, 4, 2, 2]), leaf([4]), leaf([4])],
    },
  ]);
});
