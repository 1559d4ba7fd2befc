import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsBackend } from "../../../src/backend/index.js";
import { SKIP, contiguousStrides, nat, randF32 } from "./helpers.js";

// Reference gather through arbitrary strides.
function refCopy(
  src: ArrayLike<number>,
  off: number,
  shape: number[],
  strides: number[],
): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  const idx = new Array<number>(shape.length).fill(0);
  for (let e = 0; e < n; e++) {
    let o = off;
    for (let d = 0; d < shape.length; d++) o += idx[d]! * strides[d]!;
    out.push(src[o]!);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

function permute(shape: number[], perm: number[]): { shape: number[]; strides: number[] } {
  const st = contiguousStrides(shape);
  return { shape: perm.map((p) => shape[p]!), strides: perm.map((p) => st[p]!) };
}

describe("copyStrided", { skip: SKIP }, () => {
  const cases: {
    name: string;
    base: number[];
    view: () => { shape: number[]; strides: number[]; off: number };
  }[] = [
    {
      name: "contiguous",
      base: [7, 33],
      view: () => ({ shape: [7, 33], strides: [33, 1], off: 0 }),
    },
    {
      name: "2-d transpose",
      base: [129, 33],
      view: () => ({ ...permute([129, 33], [1, 0]), off: 0 }),
    },
    {
      name: "big transpose",
      base: [300, 517],
      view: () => ({ ...permute([300, 517], [1, 0]), off: 0 }),
    },
    {
      name: "NCHW -> NHWC",
      base: [3, 7, 9, 11],
      view: () => ({ ...permute([3, 7, 9, 11], [0, 2, 3, 1]), off: 0 }),
    },
    {
      name: "attention heads [B,T,H,D] -> [B,H,T,D]",
      base: [2, 33, 4, 16],
      view: () => ({ ...permute([2, 33, 4, 16], [0, 2, 1, 3]), off: 0 }),
    },
    {
      name: "batched transpose of last two dims",
      base: [5, 40, 24],
      view: () => ({ ...permute([5, 40, 24], [0, 2, 1]), off: 0 }),
    },
    {
      name: "slice with offset",
      base: [10, 20],
      view: () => ({ shape: [4, 7], strides: [20, 2], off: 23 }),
    },
    {
      name: "broadcast (stride 0)",
      base: [5],
      view: () => ({ shape: [129, 5], strides: [0, 1], off: 0 }),
    },
    {
      name: "broadcast column",
      base: [7],
      view: () => ({ shape: [7, 33], strides: [1, 0], off: 0 }),
    },
    {
      name: "negative strides (flip)",
      base: [6, 9],
      view: () => ({ shape: [6, 9], strides: [-9, -1], off: 53 }),
    },
    {
      name: "size-1 dims",
      base: [1, 7, 1],
      view: () => ({ shape: [1, 1, 7, 1], strides: [0, 5, 1, 9], off: 0 }),
    },
    { name: "empty", base: [3], view: () => ({ shape: [0, 3], strides: [3, 1], off: 0 }) },
    { name: "scalar", base: [4], view: () => ({ shape: [], strides: [], off: 2 }) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = nat();
      const n = c.base.reduce((a, b) => a * b, 1);
      const src = randF32(n, n);
      const v = c.view();
      const want = refCopy(src, v.off, v.shape, v.strides);
      const out = new Float32Array(want.length + 2).fill(-7);
      m.copyStrided(src, v.off, Int32Array.from(v.shape), Int32Array.from(v.strides), out, 1);
      assert.deepEqual(
        Array.from(out.subarray(1, 1 + want.length)),
        Array.from(Float32Array.from(want)),
      );
      assert.equal(out[0], -7);
      assert.equal(out[want.length + 1], -7);
    });
  }

  it("any element size: int32, uint8, float64", () => {
    const m = nat();
    const shape = [9, 13],
      perm = permute(shape, [1, 0]);
    const base = Array.from({ length: 117 }, (_, i) => i * 7 - 300);
    for (const src of [
      Int32Array.from(base),
      Uint8Array.from(base.map((v) => v & 255)),
      Float64Array.from(base, (v) => v / 3),
    ]) {
      const want = refCopy(src, 0, perm.shape, perm.strides);
      const out = new (src.constructor as Int32ArrayConstructor)(117);
      m.copyStrided(src, 0, Int32Array.from(perm.shape), Int32Array.from(perm.strides), out, 0);
      assert.deepEqual(Array.from(out), want);
    }
  });

  it("bounds and type checks", () => {
    const m = nat();
    const src = new Float32Array(10),
      out = new Float32Array(10);
    assert.throws(
      () => m.copyStrided(src, 0, Int32Array.from([3, 4]), Int32Array.from([4, 1]), out, 0),
      /out needs/,
    );
    assert.throws(
      () => m.copyStrided(src, 0, Int32Array.from([2, 4]), Int32Array.from([4, 2]), out, 0),
      /src needs/,
    );
    assert.throws(
      () => m.copyStrided(src, 0, Int32Array.from([2, 2]), Int32Array.from([-2, 1]), out, 0),
      /src needs/,
    );
    assert.throws(
      () =>
        m.copyStrided(src, 0, Int32Array.from([2]), Int32Array.from([1]), new Float64Array(2), 0),
      /cannot copy/,
    );
  });
});

describe("native indexSelect", { skip: SKIP }, () => {
  it("matches the js kernel for every element size, odd shapes and repeated indices", () => {
    const m = nat();
    const makers = [
      (n: number) => randF32(n, 3),
      (n: number) => Float64Array.from(randF32(n, 4)),
      (n: number) => Int32Array.from(randF32(n, 5), (v) => Math.round(v * 1000)),
      (n: number) => Uint8Array.from(randF32(n, 6), (v) => (v > 0 ? 1 : 0)),
    ];
    for (const make of makers) {
      for (const [outer, size, inner, picks] of [
        [1, 1, 1, 1],
        [1, 7, 33, 5],
        [3, 33, 1, 129],
        [2, 129, 7, 33],
        [1, 300, 784, 257],
      ] as const) {
        const x = make(outer * size * inner);
        const index = Int32Array.from({ length: picks }, (_, j) => (j * 7919) % size);
        const Ctor = x.constructor as Float32ArrayConstructor;
        const want = new Ctor(outer * picks * inner);
        jsBackend.indexSelect(x, outer, size, inner, index, want);
        const got = new Ctor(want.length);
        m.indexSelect(x, outer, size, inner, index, got);
        assert.deepEqual(got, want, `${Ctor.name} [${outer}, ${size}, ${inner}] x ${picks}`);
      }
    }
  });

  it("rejects out-of-range indices and short arrays", () => {
    const m = nat();
    const x = new Float32Array(12);
    assert.throws(
      () => m.indexSelect(x, 1, 4, 3, Int32Array.from([4]), new Float32Array(3)),
      /indexSelect: index 4 is out of bounds for size 4/,
    );
    assert.throws(
      () => m.indexSelect(x, 1, 4, 3, Int32Array.from([0, 1]), new Float32Array(3)),
      /out needs/,
    );
    assert.throws(
      () => m.indexSelect(x, 1, 4, 3, Int32Array.from([0]), new Float64Array(3)),
      /cannot select/,
    );
  });
});
