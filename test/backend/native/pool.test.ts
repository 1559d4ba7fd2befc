import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SKIP, assertClose, nat, randF32, randF64 } from "./helpers.js";

interface Pool {
  N: number;
  C: number;
  H: number;
  W: number;
  KH: number;
  KW: number;
  sH: number;
  sW: number;
  pH: number;
  pW: number;
  dH: number;
  dW: number;
  ceil: boolean;
}

// PyTorch's output size, including ceil mode's rule that the last window must start inside the
// input or the left padding.
function outSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const num = n + 2 * p - d * (k - 1) - 1;
  let o = Math.floor((ceil ? num + s - 1 : num) / s) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

// Written from PyTorch's definitions: max over the dilated window's in-bounds cells (NaN wins),
// avg over the window clipped to the padded input (countIncludePad) or to the input.
function refMax(c: Pool, x: ArrayLike<number>, OH: number, OW: number) {
  const out = new Float64Array(c.N * c.C * OH * OW),
    idx = new Int32Array(out.length);
  for (let p = 0; p < c.N * c.C; p++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let best = -Infinity,
          bi = -1;
        for (let kh = 0; kh < c.KH; kh++)
          for (let kw = 0; kw < c.KW; kw++) {
            const h = oh * c.sH - c.pH + kh * c.dH,
              w = ow * c.sW - c.pW + kw * c.dW;
            if (h < 0 || h >= c.H || w < 0 || w >= c.W) continue;
            const v = x[p * c.H * c.W + h * c.W + w]!;
            if (bi < 0) bi = h * c.W + w;
            if (v > best || Number.isNaN(v)) {
              best = v;
              bi = h * c.W + w;
            }
          }
        out[p * OH * OW + oh * OW + ow] = best;
        idx[p * OH * OW + oh * OW + ow] = bi;
      }
  return { out, idx };
}

function refAvg(c: Pool, x: ArrayLike<number>, OH: number, OW: number, inc: boolean) {
  const out = new Float64Array(c.N * c.C * OH * OW);
  const divisors: number[] = [];
  for (let p = 0; p < c.N * c.C; p++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const h0 = oh * c.sH - c.pH,
          w0 = ow * c.sW - c.pW;
        const h1 = Math.min(h0 + c.KH, c.H + c.pH),
          w1 = Math.min(w0 + c.KW, c.W + c.pW);
        const padded = (h1 - h0) * (w1 - w0);
        let s = 0,
          cnt = 0;
        for (let h = Math.max(h0, 0); h < Math.min(h1, c.H); h++)
          for (let w = Math.max(w0, 0); w < Math.min(w1, c.W); w++) {
            s += x[p * c.H * c.W + h * c.W + w]!;
            cnt++;
          }
        const div = inc ? padded : cnt;
        if (p === 0) divisors.push(div);
        out[p * OH * OW + oh * OW + ow] = s / div;
      }
  return { out, divisors };
}

const b = { sH: 1, sW: 1, pH: 0, pW: 0, dH: 1, dW: 1, ceil: false };
const CASES: Pool[] = [
  { ...b, N: 1, C: 1, H: 7, W: 7, KH: 2, KW: 2, sH: 2, sW: 2 },
  { ...b, N: 2, C: 3, H: 9, W: 11, KH: 3, KW: 3, sH: 2, sW: 2, pH: 1, pW: 1 },
  { ...b, N: 3, C: 2, H: 8, W: 13, KH: 3, KW: 2, sH: 1, sW: 2, pH: 1, pW: 1 },
  { ...b, N: 2, C: 2, H: 7, W: 7, KH: 3, KW: 3, sH: 2, sW: 2, pH: 1, pW: 1, ceil: true },
  { ...b, N: 1, C: 3, H: 10, W: 9, KH: 3, KW: 3, sH: 3, sW: 2, pH: 0, pW: 1, ceil: true },
  { ...b, N: 2, C: 4, H: 33, W: 17, KH: 5, KW: 4, sH: 3, sW: 3, pH: 2, pW: 2, ceil: true },
  { ...b, N: 1, C: 1, H: 1, W: 1, KH: 1, KW: 1 },
];
const DILATED: Pool[] = [
  { ...b, N: 2, C: 2, H: 12, W: 11, KH: 3, KW: 3, sH: 2, sW: 1, pH: 1, pW: 1, dH: 2, dW: 3 },
  {
    ...b,
    N: 1,
    C: 3,
    H: 9,
    W: 9,
    KH: 2,
    KW: 3,
    sH: 2,
    sW: 2,
    pH: 1,
    pW: 1,
    dH: 3,
    dW: 2,
    ceil: true,
  },
];

describe("pooling", { skip: SKIP }, () => {
  for (const f64 of [false, true]) {
    const mk = (n: number, seed: number) => (f64 ? randF64(n, seed) : randF32(n, seed));
    const zeros = (n: number) => (f64 ? new Float64Array(n) : new Float32Array(n));

    it(`maxPool2d forward/backward (${f64 ? "f64" : "f32"})`, () => {
      const m = nat();
      let seed = 1;
      for (const c of [...CASES, ...DILATED]) {
        const OH = outSize(c.H, c.KH, c.sH, c.pH, c.dH, c.ceil),
          OW = outSize(c.W, c.KW, c.sW, c.pW, c.dW, c.ceil);
        const x = mk(c.N * c.C * c.H * c.W, seed++);
        const ref = refMax(c, x, OH, OW);
        const out = zeros(ref.out.length),
          idx = new Int32Array(ref.out.length);
        m.maxPool2dForward(
          x,
          out,
          idx,
          c.N,
          c.C,
          c.H,
          c.W,
          c.KH,
          c.KW,
          c.sH,
          c.sW,
          c.pH,
          c.pW,
          c.dH,
          c.dW,
          OH,
          OW,
        );
        assertClose(out, ref.out, 0, 0, "maxPool2d out");
        assert.deepEqual(Array.from(idx), Array.from(ref.idx));
        const go = mk(out.length, seed++);
        const want = new Float64Array(x.length);
        for (let p = 0; p < c.N * c.C; p++)
          for (let o = 0; o < OH * OW; o++)
            want[p * c.H * c.W + ref.idx[p * OH * OW + o]!] += go[p * OH * OW + o]!;
        const gx = zeros(x.length).fill(3);
        m.maxPool2dBackward(go, idx, gx, c.N, c.C, c.H, c.W, OH, OW);
        assertClose(gx, want, 1e-6, 1e-6, "maxPool2d backward");
      }
    });

    it(`avgPool2d forward/backward with both padding rules (${f64 ? "f64" : "f32"})`, () => {
      const m = nat();
      let seed = 50;
      for (const c of CASES) {
        for (const inc of [true, false]) {
          const OH = outSize(c.H, c.KH, c.sH, c.pH, 1, c.ceil),
            OW = outSize(c.W, c.KW, c.sW, c.pW, 1, c.ceil);
          const x = mk(c.N * c.C * c.H * c.W, seed++);
          const ref = refAvg(c, x, OH, OW, inc);
          const out = zeros(ref.out.length);
          m.avgPool2dForward(
            x,
            out,
            c.N,
            c.C,
            c.H,
            c.W,
            c.KH,
            c.KW,
            c.sH,
            c.sW,
            c.pH,
            c.pW,
            OH,
            OW,
            inc,
          );
          assertClose(out, ref.out, 1e-5, 1e-6, `avgPool2d ${inc}`);
          // Backward is the adjoint: <avg(x), g> == <x, avgBackward(g)> for every x; check it
          // against the explicit scatter instead.
          const go = mk(out.length, seed++);
          const want = new Float64Array(x.length);
          for (let p = 0; p < c.N * c.C; p++)
            for (let oh = 0; oh < OH; oh++)
              for (let ow = 0; ow < OW; ow++) {
                const h0 = oh * c.sH - c.pH,
                  w0 = ow * c.sW - c.pW;
                const div = ref.divisors[oh * OW + ow]!;
                for (let h = Math.max(h0, 0); h < Math.min(h0 + c.KH, c.H); h++)
                  for (let w = Math.max(w0, 0); w < Math.min(w0 + c.KW, c.W); w++)
                    want[p * c.H * c.W + h * c.W + w] += go[p * OH * OW + oh * OW + ow]! / div;
              }
          const gx = zeros(x.length).fill(5);
          m.avgPool2dBackward(
            go,
            gx,
            c.N,
            c.C,
            c.H,
            c.W,
            c.KH,
            c.KW,
            c.sH,
            c.sW,
            c.pH,
            c.pW,
            OH,
            OW,
            inc,
          );
          assertClose(gx, want, 1e-5, 1e-6, `avgPool2d backward ${inc}`);
        }
      }
    });
  }

  it("max pooling propagates NaN and rejects bad indices", () => {
    const m = nat();
    const x = new Float32Array([1, Number.NaN, 3, 4]);
    const out = new Float32Array(1),
      idx = new Int32Array(1);
    m.maxPool2dForward(x, out, idx, 1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1, 1);
    assert.ok(Number.isNaN(out[0]!));
    assert.equal(idx[0], 1);
    assert.throws(
      () =>
        m.maxPool2dBackward(
          new Float32Array(1),
          new Int32Array([4]),
          new Float32Array(4),
          1,
          1,
          2,
          2,
          1,
          1,
        ),
      /outside/,
    );
    assert.throws(
      () => m.maxPool2dForward(x, out, idx, 1, 1, 2, 2, 2, 2, 2, 2, 2, 0, 1, 1, 1, 1),
      /padding/,
    );
  });
});
