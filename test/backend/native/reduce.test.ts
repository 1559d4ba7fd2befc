import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SKIP, assertClose, nat, randF32, randF64 } from "./helpers.js";

type Op = "sum" | "max" | "min" | "prod";
function refReduce(
  op: Op,
  x: ArrayLike<number>,
  outer: number,
  size: number,
  inner: number,
): number[] {
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let acc = op === "sum" ? 0 : op === "prod" ? 1 : Number.NaN;
      let nan = false;
      for (let s = 0; s < size; s++) {
        const v = x[(o * size + s) * inner + i]!;
        if (Number.isNaN(v)) nan = true;
        if (op === "sum") acc += v;
        else if (op === "prod") acc *= v;
        else if (s === 0) acc = v;
        else acc = op === "max" ? Math.max(acc, v) : Math.min(acc, v);
      }
      out.push(nan && (op === "max" || op === "min") ? Number.NaN : acc);
    }
  return out;
}

function refArg(
  isMax: boolean,
  x: ArrayLike<number>,
  outer: number,
  size: number,
  inner: number,
): number[] {
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let bi = 0,
        best = x[o * size * inner + i]!;
      for (let s = 0; s < size && !Number.isNaN(best); s++) {
        const v = x[(o * size + s) * inner + i]!;
        if (Number.isNaN(v)) {
          bi = s;
          break;
        }
        if (isMax ? v > best : v < best) {
          best = v;
          bi = s;
        }
      }
      out.push(bi);
    }
  return out;
}

const LAYOUTS: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 1],
  [7, 33, 1],
  [33, 7, 5],
  [3, 129, 33],
  [1, 200003, 1],
  [2, 70001, 1],
  [1, 1000, 300],
  [129, 1, 7],
  [5, 0, 3],
];

describe("reduce", { skip: SKIP }, () => {
  for (const f64 of [false, true]) {
    it(`sum/max/min/prod match the reference (${f64 ? "f64" : "f32"})`, () => {
      const m = nat();
      let seed = 1;
      for (const [outer, size, inner] of LAYOUTS) {
        for (const op of ["sum", "max", "min", "prod"] as Op[]) {
          if (size === 0 && (op === "max" || op === "min")) continue;
          const n = outer * size * inner;
          // prod: values near 1 so products stay finite.
          const x =
            op === "prod"
              ? f64
                ? randF64(n, seed++, 0.999, 1.001)
                : randF32(n, seed++, 0.999, 1.001)
              : f64
                ? randF64(n, seed++)
                : randF32(n, seed++);
          const out = f64 ? new Float64Array(outer * inner) : new Float32Array(outer * inner);
          m.reduce(op, x, outer, size, inner, out);
          const want = refReduce(op, x, outer, size, inner);
          const tol = f64 ? 1e-12 : op === "sum" ? 1e-6 : 1e-6;
          assertClose(
            out,
            want,
            tol,
            op === "sum" ? tol * Math.sqrt(size) : 0,
            `${op} [${outer},${size},${inner}]`,
          );
        }
      }
    });
  }

  it("float32 sums are accurate for long rows (blocked + pairwise)", () => {
    const m = nat();
    const n = 1 << 22;
    const x = new Float32Array(n).fill(0.1);
    const out = new Float32Array(1);
    m.reduce("sum", x, 1, n, 1, out);
    const exact = Math.fround(0.1) * n;
    assert.ok(Math.abs(out[0]! - exact) / exact < 1e-6, `sum ${out[0]} vs ${exact}`);
    // Columns too: 1e6 rows of one column.
    const y = new Float32Array(1 << 20).fill(0.1);
    m.reduce("sum", y, 1, 1 << 20, 1, out);
    assert.ok(Math.abs(out[0]! - Math.fround(0.1) * (1 << 20)) / (0.1 * (1 << 20)) < 1e-6);
    const z = new Float32Array(2 * (1 << 19)).fill(0.1);
    const o2 = new Float32Array(2);
    m.reduce("sum", z, 1, 1 << 19, 2, o2);
    assert.ok(Math.abs(o2[1]! - Math.fround(0.1) * (1 << 19)) / (0.1 * (1 << 19)) < 1e-6);
  });

  it("results do not depend on the thread count", () => {
    const m = nat();
    const x = randF32(1 << 20, 3);
    const a = new Float32Array(1),
      b = new Float32Array(1);
    m.setNumThreads(1);
    m.reduce("sum", x, 1, x.length, 1, a);
    m.setNumThreads(2);
    m.reduce("sum", x, 1, x.length, 1, b);
    m.setNumThreads(0);
    assert.equal(a[0], b[0]);
  });

  it("max/min propagate NaN; empty max throws", () => {
    const m = nat();
    const x = new Float32Array([1, Number.NaN, 3, 4, 5, 6]);
    const out = new Float32Array(2);
    m.reduce("max", x, 2, 3, 1, out);
    assert.ok(Number.isNaN(out[0]!));
    assert.equal(out[1], 6);
    assert.throws(() => m.reduce("max", new Float32Array(0), 2, 0, 1, out), /no identity/);
    assert.throws(() => m.reduce("mean" as "sum", x, 2, 3, 1, out), /unknown op/);
  });
});

describe("argReduce", { skip: SKIP }, () => {
  it("argmax/argmin match the reference, first occurrence, NaN wins", () => {
    const m = nat();
    let seed = 9;
    for (const [outer, size, inner] of LAYOUTS) {
      if (size === 0) continue;
      for (const f64 of [false, true]) {
        const n = outer * size * inner;
        const x = f64 ? randF64(n, seed++) : randF32(n, seed++);
        // Ties: quantise so that repeated values occur.
        for (let i = 0; i < n; i++) x[i] = Math.round(x[i]! * 4) / 4;
        if (n > 10) x[7] = Number.NaN;
        for (const isMax of [true, false]) {
          const out = new Int32Array(outer * inner);
          m.argReduce(isMax ? "argmax" : "argmin", x, outer, size, inner, out);
          assert.deepEqual(
            Array.from(out),
            refArg(isMax, x, outer, size, inner),
            `[${outer},${size},${inner}]`,
          );
        }
      }
    }
  });
});
