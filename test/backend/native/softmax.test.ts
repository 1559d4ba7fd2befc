import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SKIP, assertClose, nat, randF32, randF64 } from "./helpers.js";

function refSoftmax(
  x: ArrayLike<number>,
  outer: number,
  size: number,
  inner: number,
  log: boolean,
): Float64Array {
  const out = new Float64Array(outer * size * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const at = (s: number) => (o * size + s) * inner + i;
      let mx = -Infinity;
      for (let s = 0; s < size; s++) mx = Math.max(mx, x[at(s)]!);
      let sum = 0;
      for (let s = 0; s < size; s++) sum += Math.exp(x[at(s)]! - mx);
      for (let s = 0; s < size; s++)
        out[at(s)] = log ? x[at(s)]! - mx - Math.log(sum) : Math.exp(x[at(s)]! - mx) / sum;
    }
  return out;
}

function refBackward(
  y: ArrayLike<number>,
  g: ArrayLike<number>,
  outer: number,
  size: number,
  inner: number,
  log: boolean,
): Float64Array {
  const out = new Float64Array(outer * size * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const at = (s: number) => (o * size + s) * inner + i;
      let s1 = 0;
      for (let s = 0; s < size; s++) s1 += log ? g[at(s)]! : g[at(s)]! * y[at(s)]!;
      for (let s = 0; s < size; s++)
        out[at(s)] = log ? g[at(s)]! - Math.exp(y[at(s)]!) * s1 : y[at(s)]! * (g[at(s)]! - s1);
    }
  return out;
}

describe("softmax", { skip: SKIP }, () => {
  for (const f64 of [false, true]) {
    it(`forward and backward over [outer, size, inner] (${f64 ? "f64" : "f32"})`, () => {
      const m = nat();
      let seed = 1;
      const tol = f64 ? 1e-12 : 3e-6;
      for (const [outer, size, inner] of [
        [1, 1, 1],
        // rows under 32 take the short-row path: several 1024-element blocks, and a parallel
        // split (2,000 rows) whose chunks start mid-block
        [300, 10, 1],
        [2000, 31, 1],
        [7, 33, 1],
        [3, 129, 1],
        [2, 7, 33],
        [5, 10, 129],
        [1, 1000, 1],
        [4, 3, 70],
      ] as const) {
        const n = outer * size * inner;
        for (const log of [false, true]) {
          // Large logits: max subtraction must keep exp finite.
          const x = f64 ? randF64(n, seed++, -60, 60) : randF32(n, seed++, -60, 60);
          const y = f64 ? new Float64Array(n) : new Float32Array(n);
          (log ? m.logSoftmaxForward : m.softmaxForward)(x, y, outer, size, inner);
          assertClose(
            y,
            refSoftmax(x, outer, size, inner, log),
            tol,
            tol,
            `${log ? "log" : ""}softmax [${outer},${size},${inner}]`,
          );
          const g = f64 ? randF64(n, seed++) : randF32(n, seed++);
          const gi = f64 ? new Float64Array(n) : new Float32Array(n);
          (log ? m.logSoftmaxBackward : m.softmaxBackward)(y, g, gi, outer, size, inner);
          assertClose(
            gi,
            refBackward(y, g, outer, size, inner, log),
            tol * 10,
            tol * 10,
            `backward ${log} [${outer},${size},${inner}]`,
          );
        }
      }
    });
  }
});

describe("softmax of short rows with non-finite values", { skip: SKIP }, () => {
  it("gives NaN rows as the long-row path does, and leaves the other rows exact", () => {
    const m = nat();
    const C = 5;
    const rows = [
      [1, 2, Number.NaN, 4, 5],
      [Number.NEGATIVE_INFINITY, 0, 1, 2, 3],
      [Number.POSITIVE_INFINITY, 0, 1, 2, 3],
      [-1, -2, -3, -4, -5],
    ];
    const x = Float32Array.from(rows.flat());
    for (const log of [false, true]) {
      const y = new Float32Array(x.length);
      (log ? m.logSoftmaxForward : m.softmaxForward)(x, y, rows.length, C, 1);
      assert.ok(y.subarray(0, C).every(Number.isNaN), "a NaN makes its row NaN");
      assert.equal(y[C], log ? Number.NEGATIVE_INFINITY : 0, "-inf logit");
      assert.ok(y.subarray(2 * C, 3 * C).every(Number.isNaN), "+inf makes the row NaN (inf - inf)");
      assertClose(
        y.subarray(3 * C),
        refSoftmax(x.subarray(3 * C), 1, C, 1, log),
        3e-6,
        3e-6,
        "finite row",
      );
    }
  });
});

describe("cross entropy", { skip: SKIP }, () => {
  it("fused forward/backward equal log_softmax + NLL", () => {
    const m = nat();
    for (const [N, C] of [
      [1, 1],
      [7, 10],
      [2000, 10],
      [33, 129],
      [129, 7],
    ]) {
      const x = randF32(N * C, N * C, -20, 20);
      const t = Int32Array.from({ length: N }, (_, i) => (i * 7) % C);
      const loss = new Float32Array(N),
        lsm = new Float32Array(N * C);
      m.crossEntropyForward(x, t, N, C, loss, lsm);
      const ref = refSoftmax(x, N, C, 1, true);
      assertClose(lsm, ref, 3e-6, 3e-6, "logSoftmaxOut");
      assertClose(
        loss,
        Array.from({ length: N }, (_, i) => -ref[i * C + t[i]!]!),
        3e-6,
        3e-6,
        "loss",
      );
      const g = randF32(N, 5);
      const gx = new Float32Array(N * C);
      m.crossEntropyBackward(lsm, t, g, gx, N, C);
      const want = new Float64Array(N * C);
      for (let i = 0; i < N; i++)
        for (let j = 0; j < C; j++)
          want[i * C + j] = g[i]! * (Math.exp(ref[i * C + j]!) - (j === t[i] ? 1 : 0));
      assertClose(gx, want, 1e-5, 1e-6, "gradLogits");
    }
  });

  it("rejects targets outside [0, C)", () => {
    const m = nat();
    const x = new Float32Array(6),
      loss = new Float32Array(2),
      lsm = new Float32Array(6);
    assert.throws(
      () => m.crossEntropyForward(x, Int32Array.from([0, 3]), 2, 3, loss, lsm),
      /target 3 of sample 1/,
    );
    assert.throws(
      () => m.crossEntropyBackward(lsm, Int32Array.from([-1, 0]), loss, x, 2, 3),
      /target -1/,
    );
  });
});
