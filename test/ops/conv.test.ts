// Convolutions: forward against direct loops on random shapes (batch 1 included), gradcheck in
// float64 across stride, padding (symmetric, asymmetric via nb.pad, 'same'), dilation and groups,
// double backward, transposed and 1-D convolutions, unfold/fold.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as nb from "nabla";
import {
  assertClose,
  assertThrowsWith,
  type GradcheckCase,
  gradcheckTable,
  leaf,
} from "../helpers.js";
import { forEachBackend } from "./backends.js";

interface Geom {
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  groups?: number;
}

/** conv2d by its definition, in float64: a sum over channels of the group and the kernel window. */
function naiveConv2d(x: nb.Tensor, w: nb.Tensor, b: nb.Tensor | null, g: Geom): Float64Array {
  const [N, C, H, W] = x.shape;
  const [OC, Cg, KH, KW] = w.shape;
  const [sH, sW] = g.stride ?? [1, 1];
  const [pH, pW] = g.padding ?? [0, 0];
  const [dH, dW] = g.dilation ?? [1, 1];
  const groups = g.groups ?? 1;
  const OH = Math.floor((H + 2 * pH - dH * (KH - 1) - 1) / sH) + 1;
  const OW = Math.floor((W + 2 * pW - dW * (KW - 1) - 1) / sW) + 1;
  const xd = x.data();
  const wd = w.data();
  const bd = b?.data();
  const out = new Float64Array(N * OC * OH * OW);
  const OCg = OC / groups;
  for (let n = 0; n < N; n++)
    for (let oc = 0; oc < OC; oc++) {
      const grp = Math.floor(oc / OCg);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = bd ? bd[oc] : 0;
          for (let c = 0; c < Cg; c++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const h = oh * sH - pH + kh * dH;
                const ww = ow * sW - pW + kw * dW;
                if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
                const ci = grp * Cg + c;
                s += xd[((n * C + ci) * H + h) * W + ww] * wd[((oc * Cg + c) * KH + kh) * KW + kw];
              }
          out[((n * OC + oc) * OH + oh) * OW + ow] = s;
        }
    }
  return out;
}

/** Transposed conv by scattering each input value through the kernel. */
function naiveConvTranspose2d(
  x: nb.Tensor,
  w: nb.Tensor,
  s: [number, number],
  p: [number, number],
  op: [number, number],
  d: [number, number],
  groups: number,
): { data: Float64Array; shape: number[] } {
  const [N, C, H, W] = x.shape;
  const [, OCg, KH, KW] = w.shape;
  const OC = OCg * groups;
  const Cg = C / groups;
  const OH = (H - 1) * s[0] - 2 * p[0] + d[0] * (KH - 1) + op[0] + 1;
  const OW = (W - 1) * s[1] - 2 * p[1] + d[1] * (KW - 1) + op[1] + 1;
  const xd = x.data();
  const wd = w.data();
  const out = new Float64Array(N * OC * OH * OW);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const grp = Math.floor(c / Cg);
      for (let h = 0; h < H; h++)
        for (let ww = 0; ww < W; ww++)
          for (let o = 0; o < OCg; o++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const oh = h * s[0] - p[0] + kh * d[0];
                const ow = ww * s[1] - p[1] + kw * d[1];
                if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
                const oc = grp * OCg + o;
                out[((n * OC + oc) * OH + oh) * OW + ow] +=
                  xd[((n * C + c) * H + h) * W + ww] * wd[((c * OCg + o) * KH + kh) * KW + kw];
              }
    }
  return { data: out, shape: [N, OC, OH, OW] };
}

function randInt(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

forEachBackend(() => {
  describe("conv2d forward vs direct loops", () => {
    test("random shapes, strides, paddings, dilations, groups (float32 and float64)", () => {
      nb.manualSeed(7);
      for (let trial = 0; trial < 40; trial++) {
        const groups = [1, 1, 2, 3][trial % 4];
        const N = trial % 3 === 0 ? 1 : randInt(2, 3);
        const C = groups * randInt(1, 3);
        const OC = groups * randInt(1, 3);
        const KH = randInt(1, 4);
        const KW = randInt(1, 4);
        const geom: Geom = {
          stride: [randInt(1, 3), randInt(1, 3)],
          padding: [randInt(0, 2), randInt(0, 2)],
          dilation: [randInt(1, 2), randInt(1, 2)],
          groups,
        };
        const H = geom.dilation![0] * (KH - 1) + randInt(1, 7);
        const W = geom.dilation![1] * (KW - 1) + randInt(1, 7);
        const dtype = trial % 2 === 0 ? "float32" : "float64";
        const x = nb.randn([N, C, H, W], { dtype });
        const w = nb.randn([OC, C / groups, KH, KW], { dtype });
        const b = trial % 5 === 0 ? null : nb.randn([OC], { dtype });
        const out = nb.conv2d(x, w, b, geom);
        const expected = naiveConv2d(x, w, b, geom);
        const tol = dtype === "float32" ? { atol: 1e-4, rtol: 1e-4 } : { atol: 1e-10, rtol: 1e-10 };
        assertClose(out.data(), expected, tol);
        assert.equal(out.dtype, dtype);
      }
    });

    test("LeNet's first layer: 1x1x28x28 with a 5x5 kernel and padding 2 keeps 28x28", () => {
      const out = nb.conv2d(nb.randn([1, 1, 28, 28]), nb.randn([6, 1, 5, 5]), nb.zeros([6]), {
        padding: 2,
      });
      assert.deepEqual(out.shape, [1, 6, 28, 28]);
    });

    test("1x1 convolutions (the direct path) and non-contiguous inputs", () => {
      const x = nb.randn([2, 5, 3, 4], { dtype: "float64" }).permute([0, 1, 3, 2]);
      const w = nb.randn([3, 5, 1, 1], { dtype: "float64" });
      assertClose(nb.conv2d(x, w).data(), naiveConv2d(x, w, null, {}), { atol: 1e-12 });
      const w2 = nb.randn([4, 5, 2, 2], { dtype: "float64" });
      assertClose(nb.conv2d(x, w2).data(), naiveConv2d(x, w2, null, {}), { atol: 1e-12 });
    });

    test("padding 'same' keeps the size for odd and even kernels, as PyTorch places the extra cell", () => {
      const x = nb.randn([1, 2, 6, 7], { dtype: "float64" });
      for (const [KH, KW, d] of [
        [3, 3, 1],
        [4, 2, 1],
        [3, 4, 2],
      ]) {
        const w = nb.randn([3, 2, KH, KW], { dtype: "float64" });
        const out = nb.conv2d(x, w, null, { padding: "same", dilation: d });
        assert.deepEqual(out.shape, [1, 3, 6, 7]);
        // total padding d(k-1): floor half before, the rest after.
        const tH = d * (KH - 1);
        const tW = d * (KW - 1);
        const padded = nb.pad(x, [
          Math.floor(tW / 2),
          tW - Math.floor(tW / 2),
          Math.floor(tH / 2),
          tH - Math.floor(tH / 2),
        ]);
        assertClose(out, nb.conv2d(padded, w, null, { dilation: d }), { atol: 1e-12 });
      }
      const valid = nb.conv2d(x, nb.randn([1, 2, 3, 3], { dtype: "float64" }), null, {
        padding: "valid",
      });
      assert.deepEqual(valid.shape, [1, 1, 4, 5]);
    });

    test("errors name the op and the shapes", () => {
      assertThrowsWith(
        () => nb.conv2d(nb.randn([1, 3, 8, 8]), nb.randn([4, 2, 3, 3])),
        "conv2d",
        "[1,3,8,8]",
        "[4,2,3,3]",
      );
      assertThrowsWith(
        () => nb.conv2d(nb.randn([3, 8, 8]), nb.randn([4, 3, 3, 3])),
        "conv2d",
        "4-D",
      );
      assertThrowsWith(
        () => nb.conv2d(nb.randn([1, 1, 2, 2]), nb.randn([1, 1, 3, 3])),
        "conv2d",
        "smaller than the dilated kernel",
      );
      assertThrowsWith(
        () =>
          nb.conv2d(nb.randn([1, 1, 5, 5]), nb.randn([1, 1, 3, 3]), null, {
            padding: "same",
            stride: 2,
          }),
        "'same'",
      );
      assertThrowsWith(
        () => nb.conv2d(nb.randn([1, 4, 5, 5]), nb.randn([3, 2, 3, 3]), null, { groups: 2 }),
        "divisible by groups",
      );
      assertThrowsWith(
        () => nb.conv2d(nb.randn([1, 1, 5, 5]), nb.randn([2, 1, 3, 3]), nb.randn([3])),
        "bias",
        "[3]",
      );
    });
  });

  describe("conv1d and convTranspose2d forward", () => {
    test("conv1d equals conv2d on a height-1 input", () => {
      nb.manualSeed(3);
      const x = nb.randn([2, 4, 11], { dtype: "float64" });
      const w = nb.randn([6, 2, 3], { dtype: "float64" });
      const b = nb.randn([6], { dtype: "float64" });
      const out = nb.conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2, groups: 2 });
      const ref = naiveConv2d(x.unsqueeze(2), w.unsqueeze(2), b, {
        stride: [1, 2],
        padding: [0, 1],
        dilation: [1, 2],
        groups: 2,
      });
      assert.deepEqual(out.shape, [2, 6, 5]);
      assertClose(out.data(), ref, { atol: 1e-12 });
      assert.deepEqual(
        nb.conv1d(x, nb.randn([3, 4, 4], { dtype: "float64" }), null, { padding: "same" }).shape,
        [2, 3, 11],
      );
    });

    test("convTranspose2d vs scattering loops", () => {
      nb.manualSeed(5);
      const configs: [
        [number, number],
        [number, number],
        [number, number],
        [number, number],
        number,
      ][] = [
        [[1, 1], [0, 0], [0, 0], [1, 1], 1],
        [[2, 2], [1, 1], [1, 1], [1, 1], 1],
        [[2, 3], [0, 1], [1, 0], [1, 2], 2],
        [[3, 1], [2, 0], [0, 0], [2, 1], 1],
      ];
      for (const [s, p, op, d, groups] of configs) {
        const x = nb.randn([2, 2 * groups, 4, 3], { dtype: "float64" });
        const w = nb.randn([2 * groups, 3, 3, 2], { dtype: "float64" });
        const out = nb.convTranspose2d(x, w, null, {
          stride: s,
          padding: p,
          outputPadding: op,
          dilation: d,
          groups,
        });
        const ref = naiveConvTranspose2d(x, w, s, p, op, d, groups);
        assert.deepEqual(out.shape, ref.shape);
        assertClose(out.data(), ref.data, { atol: 1e-12 });
      }
      // The d2l transposed-conv example: a 2x2 input and kernel with stride 1 give 3x3.
      const X = nb.tensor([
        [
          [
            [0, 1],
            [2, 3],
          ],
        ],
      ]);
      const K = nb.tensor([
        [
          [
            [0, 1],
            [2, 3],
          ],
        ],
      ]);
      assertClose(nb.convTranspose2d(X, K), [
        [
          [
            [0, 0, 1],
            [0, 4, 6],
            [4, 12, 9],
          ],
        ],
      ]);
      const b = nb.convTranspose2d(X, K, nb.tensor([1]), { stride: 2 });
      assert.deepEqual(b.shape, [1, 1, 4, 4]);
      assertClose(b.sum(), 1 * 16 + 36);
    });
  });

  // ---------------------------------------------------------------- gradients

  const x4 = (n: number, c: number, h: number, w: number) => leaf([n, c, h, w]);

  gradcheckTable("conv2d", [
    {
      name: "3x3, padding 1, bias",
      fn: (x, w, b) => nb.conv2d(x, w, b, { padding: 1 }),
      inputs: () => [x4(2, 2, 5, 4), leaf([3, 2, 3, 3]), leaf([3])],
    },
    {
      name: "batch 1, stride 2, no padding",
      fn: (x, w) => nb.conv2d(x, w, null, { stride: 2 }),
      inputs: () => [x4(1, 1, 7, 6), leaf([2, 1, 3, 2])],
    },
    {
      name: "stride (2, 1), padding (1, 2), dilation (2, 1)",
      fn: (x, w, b) => nb.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [2, 1] }),
      inputs: () => [x4(2, 2, 7, 5), leaf([2, 2, 2, 3]), leaf([2])],
    },
    {
      name: "groups 2",
      fn: (x, w, b) => nb.conv2d(x, w, b, { groups: 2, padding: 1 }),
      inputs: () => [x4(2, 4, 4, 4), leaf([6, 2, 3, 3]), leaf([6])],
    },
    {
      name: "depthwise (groups = channels)",
      fn: (x, w) => nb.conv2d(x, w, null, { groups: 3, stride: 2, padding: 1 }),
      inputs: () => [x4(1, 3, 5, 5), leaf([3, 1, 3, 3])],
    },
    {
      name: "1x1 (direct path)",
      fn: (x, w, b) => nb.conv2d(x, w, b),
      inputs: () => [x4(2, 3, 3, 2), leaf([2, 3, 1, 1]), leaf([2])],
    },
    {
      name: "asymmetric padding via nb.pad",
      fn: (x, w) => nb.conv2d(nb.pad(x, [0, 2, 1, 0]), w),
      inputs: () => [x4(1, 2, 4, 4), leaf([2, 2, 3, 3])],
    },
    {
      name: "padding 'same' with an even kernel",
      fn: (x, w) => nb.conv2d(x, w, null, { padding: "same" }),
      inputs: () => [x4(1, 1, 4, 5), leaf([2, 1, 2, 4])],
    },
    {
      name: "non-contiguous input",
      fn: (x, w) => nb.conv2d(x.permute([0, 1, 3, 2]), w, null, { padding: 1 }),
      inputs: () => [x4(1, 2, 3, 4), leaf([1, 2, 3, 3])],
    },
  ]);

  gradcheckTable("conv1d and convTranspose2d", [
    {
      name: "conv1d stride 2, padding 1, dilation 2, groups 2",
      fn: (x, w, b) => nb.conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2, groups: 2 }),
      inputs: () => [leaf([2, 4, 9]), leaf([4, 2, 3]), leaf([4])],
    },
    {
      name: "convTranspose2d stride 2, padding 1, outputPadding 1, bias",
      fn: (x, w, b) => nb.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
      inputs: () => [x4(2, 2, 3, 3), leaf([2, 3, 3, 3]), leaf([3])],
    },
    {
      name: "convTranspose2d groups 2, dilation 2",
      fn: (x, w) => nb.convTranspose2d(x, w, null, { groups: 2, dilation: 2 }),
      inputs: () => [x4(1, 4, 3, 2), leaf([4, 1, 2, 2])],
    },
  ]);

  // Double backward: the gradients themselves are differentiated (the conv backward is made of convs).
  const doubleCases: GradcheckCase[] = [
    {
      name: "d(dL/dx, dL/dw)/d(x, w) for a strided, padded, grouped conv",
      fn: (x, w) => {
        const y = nb.conv2d(x, w, null, { stride: 2, padding: 1, groups: 2 });
        const [gx, gw] = nb.grad(y.square().sum(), [x, w], { createGraph: true });
        return [gx!.square().sum(), gw!.mul(gw!).sum()];
      },
      inputs: () => [x4(1, 2, 5, 4), leaf([2, 1, 3, 2])],
    },
    {
      name: "convTranspose2d double backward",
      fn: (x, w) => {
        const y = nb.convTranspose2d(x, w, null, { stride: 2 });
        const [gx, gw] = nb.grad(y.square().sum(), [x, w], { createGraph: true });
        return [gx!.sum(), gw!.square().sum()];
      },
      inputs: () => [x4(1, 1, 3, 3), leaf([1, 2, 2, 2])],
    },
  ];
  gradcheckTable("conv double backward", doubleCases);

  // ---------------------------------------------------------------- unfold / fold

  describe("unfold and fold", () => {
    test("unfold matches a conv with one-hot kernels, and lays out blocks as [N, C*KH*KW, L]", () => {
      const x = nb.arange(0, 2 * 2 * 4 * 5, 1, { dtype: "float64" }).reshape([2, 2, 4, 5]);
      const cols = nb.unfold(x, [2, 3], { padding: 1, stride: [2, 1], dilation: [1, 2] });
      // conv with the one-hot kernel for each (c, kh, kw) gives the same rows.
      const eye = nb.eye(6, 6, { dtype: "float64" }).reshape([6, 1, 2, 3]);
      const viaConv = nb.conv2d(x, nb.cat([eye, eye], 0), null, {
        padding: 1,
        stride: [2, 1],
        dilation: [1, 2],
        groups: 2,
      });
      assert.deepEqual(cols.shape, [2, 12, viaConv.shape[2] * viaConv.shape[3]]);
      assertClose(cols, viaConv.reshape([2, 12, -1]));
    });

    test("fold(unfold(x)) multiplies each pixel by the number of blocks covering it", () => {
      const x = nb.randn([1, 2, 4, 4], { dtype: "float64" });
      const back = nb.fold(nb.unfold(x, 2, { stride: 2 }), [4, 4], 2, { stride: 2 });
      assertClose(back, x);
      const ones = nb.ones([1, 1, 3, 3], { dtype: "float64" });
      const counts = nb.fold(nb.unfold(ones, 2), 3, 2);
      assertClose(counts, [
        [
          [
            [1, 2, 1],
            [2, 4, 2],
            [1, 2, 1],
          ],
        ],
      ]);
      assertThrowsWith(() => nb.fold(nb.randn([1, 4, 5]), [3, 3], 2), "fold", "blocks");
    });
  });

  gradcheckTable("unfold/fold", [
    {
      name: "unfold kernel 2x3, padding 1, stride (2, 1), dilation (1, 2)",
      fn: (x) => nb.unfold(x, [2, 3], { padding: 1, stride: [2, 1], dilation: [1, 2] }),
      inputs: () => [x4(2, 2, 4, 5)],
    },
    {
      name: "fold kernel 2, stride 1",
      fn: (c) => nb.fold(c, [3, 4], 2),
      inputs: () => [leaf([1, 8, 6])],
    },
  ]);
});
