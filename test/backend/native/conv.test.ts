import { describe, it } from "node:test";
import { SKIP, assertClose, nat, randF32, randF64 } from "./helpers.js";

interface Conv {
  N: number;
  C: number;
  H: number;
  W: number;
  OC: number;
  KH: number;
  KW: number;
  sH: number;
  sW: number;
  pH: number;
  pW: number;
  dH: number;
  dW: number;
  groups: number;
}
const outSize = (n: number, k: number, s: number, p: number, d: number) =>
  Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;

// Direct loops: every output, every tap; the backward passes are the adjoint sums.
function refConv(
  c: Conv,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias: ArrayLike<number> | null,
) {
  const OH = outSize(c.H, c.KH, c.sH, c.pH, c.dH),
    OW = outSize(c.W, c.KW, c.sW, c.pW, c.dW);
  const Cg = c.C / c.groups,
    OCg = c.OC / c.groups;
  const out = new Float64Array(c.N * c.OC * OH * OW);
  for (let n = 0; n < c.N; n++)
    for (let oc = 0; oc < c.OC; oc++) {
      const g = Math.floor(oc / OCg);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = bias ? bias[oc]! : 0;
          for (let ci = 0; ci < Cg; ci++)
            for (let kh = 0; kh < c.KH; kh++)
              for (let kw = 0; kw < c.KW; kw++) {
                const ih = oh * c.sH - c.pH + kh * c.dH,
                  iw = ow * c.sW - c.pW + kw * c.dW;
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                s +=
                  x[((n * c.C + g * Cg + ci) * c.H + ih) * c.W + iw]! *
                  w[((oc * Cg + ci) * c.KH + kh) * c.KW + kw]!;
              }
          out[((n * c.OC + oc) * OH + oh) * OW + ow] = s;
        }
    }
  return { out, OH, OW };
}

function refBackward(
  c: Conv,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  go: ArrayLike<number>,
  OH: number,
  OW: number,
) {
  const Cg = c.C / c.groups,
    OCg = c.OC / c.groups;
  const gx = new Float64Array(c.N * c.C * c.H * c.W);
  const gw = new Float64Array(c.OC * Cg * c.KH * c.KW);
  const gb = new Float64Array(c.OC);
  for (let n = 0; n < c.N; n++)
    for (let oc = 0; oc < c.OC; oc++) {
      const g = Math.floor(oc / OCg);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const gv = go[((n * c.OC + oc) * OH + oh) * OW + ow]!;
          gb[oc] += gv;
          for (let ci = 0; ci < Cg; ci++)
            for (let kh = 0; kh < c.KH; kh++)
              for (let kw = 0; kw < c.KW; kw++) {
                const ih = oh * c.sH - c.pH + kh * c.dH,
                  iw = ow * c.sW - c.pW + kw * c.dW;
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                const xi = ((n * c.C + g * Cg + ci) * c.H + ih) * c.W + iw;
                const wi = ((oc * Cg + ci) * c.KH + kh) * c.KW + kw;
                gx[xi] += gv * w[wi]!;
                gw[wi] += gv * x[xi]!;
              }
        }
    }
  return { gx, gw, gb };
}

const base = { sH: 1, sW: 1, pH: 0, pW: 0, dH: 1, dW: 1, groups: 1 };
const CASES: Conv[] = [
  { ...base, N: 1, C: 1, H: 7, W: 7, OC: 1, KH: 3, KW: 3 },
  { ...base, N: 3, C: 3, H: 9, W: 11, OC: 5, KH: 3, KW: 2, pH: 1, pW: 1 },
  { ...base, N: 4, C: 4, H: 13, W: 7, OC: 6, KH: 3, KW: 3, sH: 2, sW: 3, pH: 1, pW: 0, groups: 2 },
  { ...base, N: 2, C: 6, H: 12, W: 12, OC: 6, KH: 3, KW: 3, dH: 2, dW: 3, pH: 2, pW: 3, groups: 3 },
  { ...base, N: 2, C: 4, H: 8, W: 8, OC: 4, KH: 3, KW: 3, pH: 1, pW: 1, groups: 4 }, // depthwise
  { ...base, N: 5, C: 7, H: 5, W: 6, OC: 9, KH: 1, KW: 1 }, // pointwise (no im2col)
  { ...base, N: 1, C: 2, H: 33, W: 17, OC: 3, KH: 5, KW: 5, sH: 2, sW: 2, pH: 2, pW: 2 },
  { ...base, N: 8, C: 1, H: 28, W: 28, OC: 6, KH: 5, KW: 5, pH: 2, pW: 2 }, // LeNet's first layer
  { ...base, N: 1, C: 3, H: 4, W: 4, OC: 2, KH: 5, KW: 5, pH: 2, pW: 2 }, // kernel larger than input
  { ...base, N: 3, C: 6, H: 14, W: 14, OC: 16, KH: 5, KW: 5 }, // LeNet's second layer (direct)
  // Direct forward with two channel vectors (the second partly masked), strides and padding.
  { ...base, N: 2, C: 3, H: 11, W: 13, OC: 28, KH: 3, KW: 4, sH: 2, sW: 2, pH: 1, pW: 2 },
  { ...base, N: 2, C: 2, H: 6, W: 6, OC: 2, KH: 1, KW: 1, sH: 2, sW: 2 },
  // Small images: several per GEMM (41 + 9 images here, a ragged last chunk).
  { ...base, N: 50, C: 3, H: 5, W: 5, OC: 4, KH: 3, KW: 3, pH: 1, pW: 1 },
  { ...base, N: 37, C: 4, H: 6, W: 7, OC: 6, KH: 2, KW: 3, sH: 2, pW: 1, groups: 2 },
  // Column matrices above 8 MB with more than 8 output channels: the implicit-im2col path
  // (panels packed straight from the image), split across threads (N = 1) and per image (N = 2).
  { ...base, N: 1, C: 16, H: 200, W: 190, OC: 12, KH: 3, KW: 3, pH: 1, pW: 1, dW: 2 },
  {
    ...base,
    N: 2,
    C: 64,
    H: 96,
    W: 96,
    OC: 18,
    KH: 3,
    KW: 3,
    sH: 1,
    sW: 2,
    pH: 1,
    pW: 1,
    groups: 2,
  },
];

function describeCase(c: Conv): string {
  return `N${c.N} C${c.C} ${c.H}x${c.W} OC${c.OC} k${c.KH}x${c.KW} s${c.sH},${c.sW} p${c.pH},${c.pW} d${c.dH},${c.dW} g${c.groups}`;
}

describe("conv2d", { skip: SKIP }, () => {
  for (const f64 of [false, true]) {
    for (const threads of f64 ? [2] : [1, 2]) {
      it(`forward / backward data / backward weight match direct loops (${f64 ? "f64" : "f32"}, ${threads} thread(s))`, () => {
        const m = nat();
        m.setNumThreads(threads);
        let seed = 1;
        const rand = (n: number) => (f64 ? randF64(n, seed++) : randF32(n, seed++));
        const rtol = f64 ? 1e-11 : 1e-4,
          atol = f64 ? 1e-11 : 1e-4;
        for (const c of CASES) {
          const Cg = c.C / c.groups;
          const x = rand(c.N * c.C * c.H * c.W),
            w = rand(c.OC * Cg * c.KH * c.KW),
            bias = rand(c.OC);
          const { out: want, OH, OW } = refConv(c, x, w, bias);
          const dims = [
            c.N,
            c.C,
            c.H,
            c.W,
            c.OC,
            c.KH,
            c.KW,
            c.sH,
            c.sW,
            c.pH,
            c.pW,
            c.dH,
            c.dW,
            c.groups,
            OH,
            OW,
          ] as const;
          const out = f64 ? new Float64Array(want.length) : new Float32Array(want.length);
          m.conv2dForward(x, w, bias, out, ...dims);
          assertClose(out, want, rtol, atol, `forward ${describeCase(c)}`);
          m.conv2dForward(x, w, null, out, ...dims);
          const { out: wantNoBias } = refConv(c, x, w, null);
          assertClose(out, wantNoBias, rtol, atol, `forward without bias ${describeCase(c)}`);

          const go = rand(want.length);
          const ref = refBackward(c, x, w, go, OH, OW);
          const gx = (f64 ? new Float64Array(x.length) : new Float32Array(x.length)).fill(7);
          m.conv2dBackwardData(go, w, gx, ...dims);
          assertClose(gx, ref.gx, rtol, atol, `backward data ${describeCase(c)}`);
          const gw = (f64 ? new Float64Array(w.length) : new Float32Array(w.length)).fill(7);
          const gb = (f64 ? new Float64Array(c.OC) : new Float32Array(c.OC)).fill(7);
          m.conv2dBackwardWeight(go, x, gw, gb, ...dims);
          assertClose(gw, ref.gw, rtol, atol * 10, `backward weight ${describeCase(c)}`);
          assertClose(gb, ref.gb, rtol, atol, `backward bias ${describeCase(c)}`);
          m.conv2dBackwardWeight(go, x, gw, null, ...dims);
          assertClose(gw, ref.gw, rtol, atol * 10, `backward weight (no bias) ${describeCase(c)}`);
        }
        m.setNumThreads(0);
      });
    }
  }

  it("rejects inconsistent output sizes and groups", async () => {
    const { throws } = await import("node:assert/strict");
    const m = nat();
    const x = new Float32Array(16),
      w = new Float32Array(9),
      out = new Float32Array(4);
    throws(
      () => m.conv2dForward(x, w, null, out, 1, 1, 4, 4, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1, 3, 3),
      /expected 2x2/,
    );
    throws(
      () => m.conv2dForward(x, w, null, out, 1, 1, 4, 4, 1, 3, 3, 1, 1, 0, 0, 1, 1, 2, 2, 2),
      /groups/,
    );
    throws(
      () => m.conv2dForward(x, w, null, out, 1, 2, 4, 4, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1, 2, 2),
      /x needs/,
    );
  });
});
