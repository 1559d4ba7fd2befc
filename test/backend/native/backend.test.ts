// The native Backend object against the js reference backend: same kernels, same inputs
// (odd sizes, broadcast and non-contiguous views), results equal within float32 rounding.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UnaryOp, View } from "../../../src/backend/backend.js";
import { jsBackend } from "../../../src/backend/js/index.js";
import { createNativeBackend } from "../../../src/backend/native/index.js";
import { SKIP, addon, assertClose, contiguousStrides, randF32, randF64 } from "./helpers.js";

const view = (
  data: View["data"],
  shape: number[],
  strides = contiguousStrides(shape),
  offset = 0,
): View => ({
  data,
  shape,
  strides,
  offset,
});

describe("native Backend vs js backend", { skip: SKIP }, () => {
  const nb = addon ? createNativeBackend(addon) : jsBackend;

  it("is named native and keeps every js kernel", () => {
    assert.equal(nb.name, "native");
    for (const k of Object.keys(jsBackend))
      assert.equal(
        typeof (nb as unknown as Record<string, unknown>)[k],
        typeof (jsBackend as unknown as Record<string, unknown>)[k],
        k,
      );
  });

  it("copy of transposed, sliced and broadcast views", () => {
    const src = randF32(7 * 33, 1);
    for (const v of [
      view(src, [33, 7], [1, 33]),
      view(src, [3, 5], [33, 2], 4),
      view(src, [4, 7], [0, 1]),
      view(
        Int32Array.from(src, (x) => x * 100),
        [33, 7],
        [1, 33],
      ),
    ]) {
      const n = v.shape.reduce((a, b) => a * b, 1);
      const a = new (v.data.constructor as Float32ArrayConstructor)(n),
        b = new (v.data.constructor as Float32ArrayConstructor)(n);
      nb.copy(v, a);
      jsBackend.copy(v, b);
      assert.deepEqual(Array.from(a), Array.from(b));
    }
    // Casting copies go to the js kernel.
    const out = new Float64Array(7 * 33);
    nb.copy(view(src, [33, 7], [1, 33]), out);
    const ref = new Float64Array(7 * 33);
    jsBackend.copy(view(src, [33, 7], [1, 33]), ref);
    assert.deepEqual(out, ref);
  });

  it("unary ops on dense and strided views; unsupported ops fall back", () => {
    const x = randF32(129, 2, -3, 3);
    const ops: UnaryOp[] = [
      "exp",
      "tanh",
      "gelu",
      "relu",
      "sigmoid",
      "softplus",
      "square",
      "floor",
      "erf",
      "round",
      "leakyRelu",
      "elu",
      "clampMin",
      "powScalar",
      "isfinite", // not native: the js kernel runs
    ];
    for (const op of ops) {
      const p = op === "softplus" ? 1 : op === "powScalar" ? 2.5 : 0.3;
      const input = op === "powScalar" ? Float32Array.from(x, Math.abs) : x;
      for (const v of [view(input, [129]), view(input, [3, 43], [1, 3])]) {
        const a = new Float32Array(129),
          b = new Float32Array(129);
        nb.unary(op, v, a, p);
        jsBackend.unary(op, v, b, p);
        assertClose(a, b, 3e-6, 1e-7, `${op}`);
      }
    }
    const a = new Float32Array(129),
      b = new Float32Array(129);
    nb.unary("softplus", view(x, [129]), a, 2);
    jsBackend.unary("softplus", view(x, [129]), b, 2);
    assertClose(a, b, 1e-6, 1e-7, "softplus beta 2");
  });

  it("unaryBackward", () => {
    const x = randF32(77, 3, -2, 2),
      g = randF32(77, 4);
    for (const op of [
      "tanh",
      "sigmoid",
      "relu",
      "gelu",
      "silu",
      "leakyRelu",
      "elu",
      "softplus",
    ] as const) {
      const p = op === "softplus" ? 1.5 : 0.2;
      const y = new Float32Array(77);
      jsBackend.unary(op, view(x, [77]), y, p);
      const a = new Float32Array(77),
        b = new Float32Array(77);
      nb.unaryBackward(op, x, y, g, a, p);
      jsBackend.unaryBackward(op, x, y, g, b, p);
      assertClose(a, b, 2e-6, 1e-7, `${op} backward`);
    }
  });

  it("binary with broadcasting, strided operands, int32, and fallback ops", () => {
    const a = randF32(4 * 3 * 5, 5),
      b = randF32(3, 6, 0.5, 2);
    const shape = [4, 3, 5];
    const va = view(a, shape),
      vb = view(b, shape, [0, 1, 0]); // already broadcast, as the interface requires
    for (const op of [
      "add",
      "sub",
      "mul",
      "div",
      "pow",
      "maximum",
      "minimum",
      "atan2",
      "lt",
    ] as const) {
      const out1 = op === "lt" ? new Uint8Array(60) : new Float32Array(60),
        out2 = op === "lt" ? new Uint8Array(60) : new Float32Array(60);
      const pa = op === "pow" ? view(Float32Array.from(a, Math.abs), shape) : va;
      nb.binary(op, pa, vb, out1, shape);
      jsBackend.binary(op, pa, vb, out2, shape);
      assertClose(out1, out2, 3e-7, 0, op);
    }
    const ia = Int32Array.from({ length: 12 }, (_, i) => i - 5),
      ib = Int32Array.from([3, -2, 7]);
    const o1 = new Int32Array(12),
      o2 = new Int32Array(12);
    nb.binary("mul", view(ia, [4, 3], [1, 4]), view(ib, [4, 3], [0, 1]), o1, [4, 3]);
    jsBackend.binary("mul", view(ia, [4, 3], [1, 4]), view(ib, [4, 3], [0, 1]), o2, [4, 3]);
    assert.deepEqual(o1, o2);
  });

  it("reduce, argReduce, softmax and its backward", () => {
    for (const [outer, size, inner] of [
      [3, 33, 7],
      [7, 129, 1],
      [2, 0, 3],
    ] as const) {
      const x = randF64(outer * size * inner, 7);
      for (const op of ["sum", "prod", "max", "min"] as const) {
        const a = new Float64Array(outer * inner),
          b = new Float64Array(outer * inner);
        nb.reduce(op, x, outer, size, inner, a);
        jsBackend.reduce(op, x, outer, size, inner, b);
        assertClose(a, b, 1e-12, 1e-12, `${op} [${outer},${size},${inner}]`);
      }
      if (size === 0) continue;
      const i1 = new Int32Array(outer * inner),
        i2 = new Int32Array(outer * inner);
      nb.argReduce("argmax", x, outer, size, inner, i1);
      jsBackend.argReduce("argmax", x, outer, size, inner, i2);
      assert.deepEqual(i1, i2);
      for (const log of [false, true]) {
        const y1 = new Float64Array(x.length),
          y2 = new Float64Array(x.length);
        nb.softmax(x, outer, size, inner, y1, log);
        jsBackend.softmax(x, outer, size, inner, y2, log);
        assertClose(y1, y2, 1e-12, 1e-14, "softmax");
        const g = randF64(x.length, 8),
          g1 = new Float64Array(x.length),
          g2 = new Float64Array(x.length);
        nb.softmaxBackward(y1, g, outer, size, inner, g1, log);
        jsBackend.softmaxBackward(y2, g, outer, size, inner, g2, log);
        assertClose(g1, g2, 1e-11, 1e-13, "softmaxBackward");
      }
    }
  });

  it("matmul: float32, float64 and int32 (fallback), transposes and broadcast batches", () => {
    for (const [batch, M, N, K] of [
      [1, 7, 33, 129],
      [3, 33, 7, 1],
      [2, 1, 1, 7],
    ] as const) {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const a = randF32(batch * M * K + 2, 9),
          b = randF32(M * K + K * N, 10);
        const o1 = new Float32Array(batch * M * N),
          o2 = new Float32Array(batch * M * N);
        nb.matmul(a, 2, M * K, ta, b, 1, 0, tb, o1, batch, M, N, K);
        jsBackend.matmul(a, 2, M * K, ta, b, 1, 0, tb, o2, batch, M, N, K);
        assertClose(o1, o2, 1e-5, 1e-5, `matmul ${batch}x${M}x${N}x${K} ${ta}${tb}`);
      }
    }
    const a = randF64(12, 11),
      b = randF64(12, 12),
      o1 = new Float64Array(9),
      o2 = new Float64Array(9);
    nb.matmul(a, 0, 0, false, b, 0, 0, true, o1, 1, 3, 3, 4);
    jsBackend.matmul(a, 0, 0, false, b, 0, 0, true, o2, 1, 3, 3, 4);
    assertClose(o1, o2, 1e-14, 1e-14, "dgemm");
    const ia = Int32Array.from([1, 2, 3, 4]),
      io1 = new Int32Array(4),
      io2 = new Int32Array(4);
    nb.matmul(ia, 0, 0, false, ia, 0, 0, false, io1, 1, 2, 2, 2);
    jsBackend.matmul(ia, 0, 0, false, ia, 0, 0, false, io2, 1, 2, 2, 2);
    assert.deepEqual(io1, io2);
  });
});
