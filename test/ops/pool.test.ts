// Pooling: forward against direct loops (PyTorch's window, ceil-mode and divisor rules), the d2l
// book's printed examples, adaptive pooling windows, and gradcheck across stride, padding,
// dilation and ceilMode (plus double backward).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as nb from "nabla";
import { assertClose, assertThrowsWith, gradcheckTable, leaf } from "../helpers.js";
import { forEachBackend } from "./backends.js";

interface PoolCase {
  k: [number, number];
  s: [number, number];
  p: [number, number];
  d: [number, number];
  ceil: boolean;
}

function outSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

/** Max pooling by definition: the max over in-bounds cells of each dilated window. */
function naiveMax(x: nb.Tensor, c: PoolCase): { data: number[]; shape: number[] } {
  const [N, C, H, W] = x.shape;
  const OH = outSize(H, c.k[0], c.s[0], c.p[0], c.d[0], c.ceil);
  const OW = outSize(W, c.k[1], c.s[1], c.p[1], c.d[1], c.ceil);
  const xd = x.data();
  const out: number[] = [];
  for (let nc = 0; nc < N * C; nc++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let m = -Infinity;
        for (let i = 0; i < c.k[0]; i++)
          for (let j = 0; j < c.k[1]; j++) {
            const h = oh * c.s[0] - c.p[0] + i * c.d[0];
            const w = ow * c.s[1] - c.p[1] + j * c.d[1];
            if (h >= 0 && h < H && w >= 0 && w < W) m = Math.max(m, xd[nc * H * W + h * W + w]);
          }
        out.push(m);
      }
  return { data: out, shape: [N, C, OH, OW] };
}

/**
 * Average pooling by definition. The divisor, as PyTorch: with countIncludePad the window clipped
 * to the padded input (so ceil-mode windows hanging past the padding count less), else the number
 * of real cells.
 */
function naiveAvg(
  x: nb.Tensor,
  c: PoolCase,
  includePad: boolean,
): { data: number[]; shape: number[] } {
  const [N, C, H, W] = x.shape;
  const OH = outSize(H, c.k[0], c.s[0], c.p[0], 1, c.ceil);
  const OW = outSize(W, c.k[1], c.s[1], c.p[1], 1, c.ceil);
  const xd = x.data();
  const out: number[] = [];
  for (let nc = 0; nc < N * C; nc++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let sum = 0;
        let real = 0;
        let padded = 0;
        for (let i = 0; i < c.k[0]; i++)
          for (let j = 0; j < c.k[1]; j++) {
            const h = oh * c.s[0] - c.p[0] + i;
            const w = ow * c.s[1] - c.p[1] + j;
            if (h < H + c.p[0] && w < W + c.p[1]) padded++;
            if (h >= 0 && h < H && w >= 0 && w < W) {
              sum += xd[nc * H * W + h * W + w];
              real++;
            }
          }
        out.push(sum / (includePad ? padded : real));
      }
  return { data: out, shape: [N, C, OH, OW] };
}

function rand(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

function randomCase(dilated: boolean): PoolCase {
  const k: [number, number] = [rand(1, 4), rand(1, 4)];
  return {
    k,
    s: [rand(1, 3), rand(1, 3)],
    p: [rand(0, Math.floor(k[0] / 2)), rand(0, Math.floor(k[1] / 2))],
    d: dilated ? [rand(1, 2), rand(1, 2)] : [1, 1],
    ceil: Math.random() < 0.5,
  };
}

forEachBackend(() => {
  describe("pooling forward", () => {
    test("maxPool2d vs direct loops: random kernels, strides, paddings, dilations, ceilMode", () => {
      nb.manualSeed(11);
      for (let t = 0; t < 40; t++) {
        const c = randomCase(true);
        const H = c.d[0] * (c.k[0] - 1) + rand(1, 6);
        const W = c.d[1] * (c.k[1] - 1) + rand(1, 6);
        const x = nb.randn([t % 3 === 0 ? 1 : 2, rand(1, 3), H, W], {
          dtype: t % 2 ? "float64" : "float32",
        });
        const out = nb.maxPool2d(x, c.k, {
          stride: c.s,
          padding: c.p,
          dilation: c.d,
          ceilMode: c.ceil,
        });
        const ref = naiveMax(x, c);
        assert.deepEqual(out.shape, ref.shape, JSON.stringify(c));
        assertClose(out.data(), ref.data, { atol: 0 });
      }
    });

    test("avgPool2d vs direct loops: countIncludePad on and off, ceilMode", () => {
      nb.manualSeed(12);
      for (let t = 0; t < 40; t++) {
        const c = randomCase(false);
        const x = nb.randn([rand(1, 2), rand(1, 3), c.k[0] + rand(0, 6), c.k[1] + rand(0, 6)], {
          dtype: "float64",
        });
        const includePad = t % 2 === 0;
        const out = nb.avgPool2d(x, c.k, {
          stride: c.s,
          padding: c.p,
          ceilMode: c.ceil,
          countIncludePad: includePad,
        });
        const ref = naiveAvg(x, c, includePad);
        assert.deepEqual(out.shape, ref.shape, JSON.stringify(c));
        assertClose(out.data(), ref.data, { atol: 1e-12 });
      }
    });

    test("the d2l examples (6.5): 2x2 max and average pooling, padding and stride, channels", () => {
      const X = nb.arange(0, 9).reshape([1, 1, 3, 3]).to("float32");
      assertClose(nb.maxPool2d(X, 2, { stride: 1 }), [
        [
          [
            [4, 5],
            [7, 8],
          ],
        ],
      ]);
      assertClose(nb.avgPool2d(X, 2, { stride: 1 }), [
        [
          [
            [2, 3],
            [5, 6],
          ],
        ],
      ]);
      const Y = nb.arange(0, 16).reshape([1, 1, 4, 4]).to("float32");
      assertClose(nb.maxPool2d(Y, 3), [[[[10]]]]);
      assertClose(nb.maxPool2d(Y, 3, { padding: 1, stride: 2 }), [
        [
          [
            [5, 7],
            [13, 15],
          ],
        ],
      ]);
      assertClose(nb.maxPool2d(Y, [2, 3], { stride: [2, 3], padding: [0, 1] }), [
        [
          [
            [5, 7],
            [13, 15],
          ],
        ],
      ]);
      const two = nb.cat([Y, Y.add(1)], 1);
      assertClose(nb.maxPool2d(two, 3, { padding: 1, stride: 2 }), [
        [
          [
            [5, 7],
            [13, 15],
          ],
          [
            [6, 8],
            [14, 16],
          ],
        ],
      ]);
    });

    test("ceilMode sizes and the PyTorch divisor at the clipped corner", () => {
      const ones = nb.ones([1, 1, 4, 4]);
      assert.deepEqual(nb.maxPool2d(ones, 3, { stride: 2 }).shape, [1, 1, 1, 1]);
      assert.deepEqual(nb.maxPool2d(ones, 3, { stride: 2, ceilMode: true }).shape, [1, 1, 2, 2]);
      // A window may start in the input but never in the right padding alone.
      assert.deepEqual(
        nb.maxPool2d(nb.ones([1, 1, 5, 5]), 2, { stride: 2, padding: 1, ceilMode: true }).shape,
        [1, 1, 3, 3],
      );
      const avg = nb.avgPool2d(ones, 3, { stride: 2, padding: 1, ceilMode: true });
      assert.deepEqual(avg.shape, [1, 1, 3, 3]);
      // (0,0): 4 real cells of a 3x3 padded window; (2,2): the window is clipped to the padded
      // input (2x2) and holds one real cell.
      assertClose(avg.get(0, 0, 0, 0), 4 / 9);
      assertClose(avg.get(0, 0, 2, 2), 1 / 4);
      const noPad = nb.avgPool2d(ones, 3, {
        stride: 2,
        padding: 1,
        ceilMode: true,
        countIncludePad: false,
      });
      assertClose(noPad, nb.ones([1, 1, 3, 3]));
      assertClose(
        nb.avgPool2d(nb.ones([1, 1, 5, 5]), 2, { ceilMode: true }),
        nb.ones([1, 1, 3, 3]),
      );
    });

    test("1-D pools and unbatched inputs", () => {
      const x = nb.tensor([[[1, 3, 2, 5, 4, 0, 7]]]);
      assertClose(nb.maxPool1d(x, 2), [[[3, 5, 4]]]);
      assertClose(nb.maxPool1d(x, 2, { ceilMode: true }), [[[3, 5, 4, 7]]]);
      assertClose(nb.avgPool1d(x, 3, { stride: 2, padding: 1 }), [[[4 / 3, 10 / 3, 3, 7 / 3]]]);
      assertClose(nb.maxPool1d(x.squeeze(0), 3, { stride: 1, dilation: 2 }), [[4, 5, 7]]);
      assert.deepEqual(nb.maxPool2d(nb.randn([3, 6, 6]), 2).shape, [3, 3, 3]);
    });

    test("adaptive pools use PyTorch's windows [floor(i*in/out), ceil((i+1)*in/out))", () => {
      nb.manualSeed(2);
      const x = nb.randn([2, 3, 5, 7], { dtype: "float64" });
      const [OH, OW] = [3, 4];
      const avg = nb.adaptiveAvgPool2d(x, [OH, OW]);
      const mx = nb.adaptiveMaxPool2d(x, [OH, OW]);
      assert.deepEqual(avg.shape, [2, 3, 3, 4]);
      const xd = x.data();
      const expAvg: number[] = [];
      const expMax: number[] = [];
      for (let p = 0; p < 6; p++)
        for (let i = 0; i < OH; i++)
          for (let j = 0; j < OW; j++) {
            const [h0, h1] = [Math.floor((i * 5) / OH), Math.ceil(((i + 1) * 5) / OH)];
            const [w0, w1] = [Math.floor((j * 7) / OW), Math.ceil(((j + 1) * 7) / OW)];
            let s = 0;
            let m = -Infinity;
            for (let h = h0; h < h1; h++)
              for (let w = w0; w < w1; w++) {
                s += xd[p * 35 + h * 7 + w];
                m = Math.max(m, xd[p * 35 + h * 7 + w]);
              }
            expAvg.push(s / ((h1 - h0) * (w1 - w0)));
            expMax.push(m);
          }
      assertClose(avg.data(), expAvg, { atol: 1e-12 });
      assertClose(mx.data(), expMax, { atol: 0 });
      assertClose(nb.adaptiveAvgPool2d(x, 1), x.mean([2, 3], true), { atol: 1e-12 });
      assertClose(nb.adaptiveAvgPool2d(x, [null, 7]), x, { atol: 1e-12 });
      assertClose(nb.adaptiveAvgPool2d(x, [1, null]), x.mean(2, true), { atol: 1e-12 });
      assert.deepEqual(nb.adaptiveMaxPool2d(nb.randn([1, 2, 8, 8]), [4, 2]).shape, [1, 2, 4, 2]);
      assertClose(nb.adaptiveAvgPool1d(nb.tensor([[[1, 2, 3, 4, 5]]]), 2), [[[2, 4]]]);
    });

    test("errors name the op and the shapes", () => {
      assertThrowsWith(
        () => nb.maxPool2d(nb.randn([1, 1, 4, 4]), 2, { padding: 2 }),
        "maxPool2d",
        "half of the kernel",
      );
      assertThrowsWith(() => nb.maxPool2d(nb.randn([4, 4]), 2), "maxPool2d", "[4,4]");
      assertThrowsWith(() => nb.avgPool2d(nb.randn([1, 1, 2, 2]), 3), "avgPool2d", "too small");
      assertThrowsWith(
        () => nb.maxPool2d(nb.ones([1, 1, 4, 4], { dtype: "int32" }), 2),
        "floating",
      );
    });
  });

  const x4 = (h: number, w: number, n = 2, c = 2) => leaf([n, c, h, w]);

  gradcheckTable("pooling", [
    { name: "maxPool2d 2x2", fn: (x) => nb.maxPool2d(x, 2), inputs: () => [x4(4, 4)] },
    {
      name: "maxPool2d 3, stride 2, padding 1, ceilMode",
      fn: (x) => nb.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }),
      inputs: () => [x4(6, 5)],
    },
    {
      name: "maxPool2d overlapping, dilation (2, 1), batch 1",
      fn: (x) => nb.maxPool2d(x, [2, 3], { stride: 1, dilation: [2, 1] }),
      inputs: () => [x4(5, 5, 1, 1)],
    },
    {
      name: "avgPool2d 3, stride 2, padding 1, ceilMode, countIncludePad",
      fn: (x) => nb.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }),
      inputs: () => [x4(6, 5)],
    },
    {
      name: "avgPool2d (2, 3), stride (1, 2), padding (1, 1), countIncludePad false",
      fn: (x) =>
        nb.avgPool2d(x, [2, 3], { stride: [1, 2], padding: [1, 1], countIncludePad: false }),
      inputs: () => [x4(4, 5)],
    },
    {
      name: "maxPool1d / avgPool1d",
      fn: (x) => [
        nb.maxPool1d(x, 3, { stride: 2, ceilMode: true }),
        nb.avgPool1d(x, 2, { padding: 1 }),
      ],
      inputs: () => [leaf([2, 2, 7])],
    },
    {
      name: "adaptiveAvgPool2d uneven (5x7 -> 3x4) and global",
      fn: (x) => [nb.adaptiveAvgPool2d(x, [3, 4]), nb.adaptiveAvgPool2d(x, 1)],
      inputs: () => [x4(5, 7)],
    },
    {
      name: "adaptiveMaxPool2d uneven (5x7 -> 3x4) and even",
      fn: (x) => [nb.adaptiveMaxPool2d(x, [3, 4]), nb.adaptiveMaxPool2d(x.narrow(2, 0, 4), [2, 7])],
      inputs: () => [x4(5, 7)],
    },
    {
      name: "double backward of max and average pooling",
      fn: (x) => {
        const y = nb
          .maxPool2d(x, 2, { stride: 1 })
          .square()
          .sum()
          .add(nb.avgPool2d(x, 2, { ceilMode: true, stride: 2 }).pow(3).sum());
        const [g] = nb.grad(y, [x], { createGraph: true });
        return g!.square();
      },
      inputs: () => [x4(3, 5, 1)],
    },
  ]);
});
