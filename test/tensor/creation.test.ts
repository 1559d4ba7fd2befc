import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

test("tensor() infers shape and dtype from nested arrays, booleans and scalars", () => {
  const x = nb.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(x.shape, [2, 3]);
  assert.equal(x.dtype, "float32");
  assert.deepEqual(x.toArray(), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = nb.tensor([true, false]);
  assert.equal(b.dtype, "bool");
  assert.deepEqual(b.toArray(), [true, false]);
  const s = nb.tensor(3.5);
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 3.5);
  assert.equal(nb.tensor(true).dtype, "bool");
  assert.deepEqual(nb.tensor([]).shape, [0]);
  assert.deepEqual(nb.tensor([[], []]).shape, [2, 0]);
  // Mixed numbers and booleans are numbers.
  assert.equal(nb.tensor([1, true]).dtype, "float32");
});

test("tensor() keeps typed arrays' dtypes and honours an explicit dtype", () => {
  assert.equal(nb.tensor(new Float64Array([1, 2])).dtype, "float64");
  assert.equal(nb.tensor(new Int32Array([1, 2])).dtype, "int32");
  assert.equal(nb.tensor(new Float32Array([1, 2])).dtype, "float32");
  assert.equal(nb.tensor(new Uint8Array([1, 2])).dtype, "int32");
  const i = nb.tensor([1.7, -2.2, 3], { dtype: "int32" });
  assert.equal(i.dtype, "int32");
  assert.deepEqual(i.toArray(), [1, -2, 3]);
  const d = nb.tensor([0.1], { dtype: "float64" });
  assert.equal(d.item(), 0.1);
  assert.deepEqual(nb.tensor([0, 2, -1], { dtype: "bool" }).toArray(), [false, true, true]);
  // A copy: changing the source does not change the tensor.
  const src = new Float32Array([1, 2]);
  const t = nb.tensor(src);
  src[0] = 9;
  assert.equal(t.toArray().toString(), "1,2");
  const copy = nb.tensor(t, { dtype: "float64" });
  assert.equal(copy.dtype, "float64");
  assert.notEqual(copy.storage, t.storage);
});

test("tensor() rejects ragged nested arrays and non-numbers, naming the position", () => {
  assertThrowsWith(() => nb.tensor([[1, 2], [3]] as number[][]), "tensor", "ragged", "[1]");
  assertThrowsWith(() => nb.tensor([[1, 2], 3] as unknown as number[][]), "ragged");
  assertThrowsWith(() => nb.tensor([1, [2]] as unknown as number[]), "ragged", "[1]");
  assertThrowsWith(() => nb.tensor(["a"] as unknown as number[]), "tensor", "string");
  assertThrowsWith(() => nb.tensor([1], { dtype: "int64" as nb.DType }), "unknown dtype int64");
});

test("zeros, ones, full, empty and the *Like variants", () => {
  assert.deepEqual(nb.zeros([2, 3]).toArray(), [
    [0, 0, 0],
    [0, 0, 0],
  ]);
  assert.deepEqual(nb.zeros(2, 3).shape, [2, 3]);
  assert.deepEqual(nb.ones([2], { dtype: "int32" }).toArray(), [1, 1]);
  assert.equal(nb.ones([2], { dtype: "int32" }).dtype, "int32");
  assert.deepEqual(nb.full([2, 2], 7).toArray(), [
    [7, 7],
    [7, 7],
  ]);
  assert.equal(nb.full([1], true).dtype, "bool");
  assert.deepEqual(nb.empty([3]).shape, [3]);
  const like = nb.ones([2, 2], { dtype: "float64" });
  assert.equal(nb.zerosLike(like).dtype, "float64");
  assert.deepEqual(nb.onesLike(like).toArray(), like.toArray());
  assert.deepEqual(nb.fullLike(like, 3).toArray(), [
    [3, 3],
    [3, 3],
  ]);
  assert.deepEqual(nb.emptyLike(like).shape, [2, 2]);
  assert.equal(nb.zerosLike(like, { dtype: "int32" }).dtype, "int32");
  assert.deepEqual(nb.randLike(like).shape, [2, 2]);
  assert.equal(nb.randnLike(like).dtype, "float64");
  assert.ok(nb.zeros([2], { requiresGrad: true }).requiresGrad);
  assertThrowsWith(() => nb.zeros([2, -1]), "zeros", "invalid shape [2,-1]");
  assertThrowsWith(() => nb.zeros([2], { device: "cuda" }), 'no device "cuda"');
});

test("arange, linspace and eye", () => {
  assert.deepEqual(nb.arange(5).toArray(), [0, 1, 2, 3, 4]);
  assert.deepEqual(nb.arange(2, 5).toArray(), [2, 3, 4]);
  assertClose(nb.arange(0, 1, 0.25), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(nb.arange(5, 0, -2).toArray(), [5, 3, 1]);
  assert.deepEqual(nb.arange(0).shape, [0]);
  assert.equal(nb.arange(3, undefined, 1, { dtype: "int32" }).dtype, "int32");
  assertThrowsWith(() => nb.arange(0, 3, 0), "arange", "step");
  assertClose(nb.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
  assertClose(nb.linspace(-1, 1, 1), [-1]);
  assert.deepEqual(nb.linspace(0, 1, 0).shape, [0]);
  assert.equal(nb.linspace(2, 3, 7, { dtype: "float64" }).get(-1).item(), 3);
  assert.deepEqual(nb.eye(3).toArray(), [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ]);
  assert.deepEqual(nb.eye(2, 3).toArray(), [
    [1, 0, 0],
    [0, 1, 0],
  ]);
});

test("random functions are deterministic under manualSeed and have the right statistics", () => {
  nb.manualSeed(42);
  const a = nb.randn([1000]);
  const r = nb.rand([3]);
  nb.manualSeed(42);
  assert.deepEqual(nb.randn([1000]).toArray(), a.toArray());
  assert.deepEqual(nb.rand([3]).toArray(), r.toArray());
  nb.manualSeed(43);
  assert.notDeepEqual(nb.randn([1000]).toArray(), a.toArray());
  const m = a.mean().item();
  const s = a.std().item();
  assert.ok(Math.abs(m) < 0.1, `mean ${m}`);
  assert.ok(Math.abs(s - 1) < 0.1, `std ${s}`);
  const u = nb.rand([2000]);
  assert.ok(u.min().item() >= 0 && u.max().item() < 1);
  assert.ok(Math.abs(u.mean().item() - 0.5) < 0.03);
  const n = nb.normal(3, 0.5, [2000]);
  assert.ok(Math.abs(n.mean().item() - 3) < 0.05);
  assert.ok(Math.abs(n.std().item() - 0.5) < 0.05);
  const v = nb.uniform(-2, -1, [500]);
  assert.ok(v.min().item() >= -2 && v.max().item() < -1);
  const ri = nb.randint(3, 7, [1000]);
  assert.equal(ri.dtype, "int32");
  assert.equal(ri.min().item(), 3);
  assert.equal(ri.max().item(), 6);
  nb.manualSeed(7);
  const p = nb.randperm(10);
  assert.equal(p.dtype, "int32");
  assert.deepEqual(
    (p.toArray() as number[]).slice().sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  nb.manualSeed(7);
  assert.deepEqual(nb.randperm(10).toArray(), p.toArray());
  assertThrowsWith(() => nb.randint(3, 3, [2]), "randint", "high (3) must be > low (3)");
  assertThrowsWith(() => nb.normal(0, -1, [2]), "normal", "std");
});

test("the RNG state can be saved and restored, and a Generator can be passed explicitly", () => {
  nb.manualSeed(1);
  const state = nb.getRngState();
  const a = nb.randn([5]).toArray();
  nb.setRngState(state);
  assert.deepEqual(nb.randn([5]).toArray(), a);
  const g1 = new nb.Generator(9);
  const g2 = new nb.Generator(9);
  assert.deepEqual(
    nb.rand([4], { generator: g1 }).toArray(),
    nb.rand([4], { generator: g2 }).toArray(),
  );
});

test("integer values that int32 cannot hold are refused, not wrapped (as PyTorch)", () => {
  // PyTorch: torch.tensor([1e10], dtype=torch.int32) raises "value cannot be converted ... overflow".
  assertThrowsWith(
    () => nb.tensor([1e10], { dtype: "int32" }),
    "tensor: value 10000000000 cannot be converted to int32 without overflow",
  );
  assertThrowsWith(() => nb.tensor([Number.NaN], { dtype: "int32" }), "tensor", "NaN", "int32");
  assertThrowsWith(() => nb.tensor([-Infinity], { dtype: "int32" }), "tensor", "-Infinity");
  assertThrowsWith(() => nb.tensor([2147483648], { dtype: "int32" }), "tensor", "2147483648");
  assertThrowsWith(
    () => nb.tensor(new Float64Array([3e9]), { dtype: "int32" }),
    "tensor",
    "3000000000",
  );
  assert.deepEqual(
    nb.tensor([2147483647, -2147483648, -1.7], { dtype: "int32" }).toArray(),
    [2147483647, -2147483648, -1],
  );
  // bool stores value != 0 (a 1, never the number itself).
  assert.deepEqual(Array.from(nb.tensor([2, 0.5, 0], { dtype: "bool" }).data()), [1, 1, 0]);
  assert.deepEqual(Array.from(nb.full([2], 3, { dtype: "bool" }).data()), [1, 1]);
  assertThrowsWith(() => nb.full([2], 1e10, { dtype: "int32" }), "full", "10000000000", "int32");
  assertThrowsWith(() => nb.full([2], Number.NaN, { dtype: "int32" }), "full", "NaN");
  assertThrowsWith(() => nb.zeros([2], { dtype: "int32" }).fill_(1e10), "fill_", "overflow");
  assertThrowsWith(() => nb.zeros([2, 2], { dtype: "int32" }).set(0, 1e10), "set", "overflow");
  assertThrowsWith(() => nb.linspace(0, 3e9, 2, { dtype: "int32" }), "linspace", "3000000000");
});

test("arange refuses NaN and infinite bounds and a step of the wrong sign, and takes options after any number", () => {
  assertThrowsWith(() => nb.arange(0, Number.NaN), "arange: unsupported range 0 -> NaN");
  assertThrowsWith(() => nb.arange(Number.NaN), "arange: unsupported range 0 -> NaN");
  assertThrowsWith(() => nb.arange(0, Infinity), "arange", "Infinity");
  assertThrowsWith(() => nb.arange(0, 3, Number.NaN), "arange", "step", "NaN");
  assertThrowsWith(() => nb.arange(0, 10, -1), "arange", "0 -> 10", "step -1");
  assertThrowsWith(() => nb.arange(0, 3e9, { dtype: "int32" }), "arange", "int32", "overflow");
  assertThrowsWith(() => nb.arange("3" as unknown as number), "arange", "number", "string");
  const i = nb.arange(5, { dtype: "int32" });
  assert.equal(i.dtype, "int32");
  assert.deepEqual(i.toArray(), [0, 1, 2, 3, 4]);
  assert.deepEqual(nb.arange(1, 4, { dtype: "float64" }).toArray(), [1, 2, 3]);
  assert.equal(nb.arange(1, 4, { dtype: "float64" }).dtype, "float64");
  assert.deepEqual(nb.arange(0, 6, 2, { dtype: "int32" }).toArray(), [0, 2, 4]);
  assert.ok(nb.arange(3, { requiresGrad: true }).requiresGrad);
  assert.deepEqual(nb.arange(3, 3).shape, [0]);
});

test("manualSeed and the generator state refuse NaN and other non-seeds", () => {
  assertThrowsWith(() => nb.manualSeed(Number.NaN), "manualSeed", "finite", "NaN");
  assertThrowsWith(() => nb.manualSeed(Infinity), "manualSeed", "Infinity");
  assertThrowsWith(() => nb.manualSeed("1" as unknown as number), "manualSeed", "number", "string");
  assertThrowsWith(() => new nb.Generator(Number.NaN), "manualSeed", "NaN");
  // As torch.manual_seed(1.5), whose seed is int(1.5).
  nb.manualSeed(1.5);
  const a = nb.rand([3]).toArray();
  nb.manualSeed(1);
  assert.deepEqual(nb.rand([3]).toArray(), a);
  assertThrowsWith(() => nb.setRngState([0, 0, 0, 0, Number.NaN]), "setState", "not all 0");
  assertThrowsWith(() => nb.setRngState([1, Number.NaN, 2, 3, Number.NaN]), "setState", "NaN");
  assertThrowsWith(() => nb.setRngState([1, 2, 3]), "setState", "5 numbers");
  const state = nb.getRngState();
  nb.setRngState(JSON.parse(JSON.stringify(state)) as number[]); // NaN became null
  nb.setRngState(state);
});

test("the other creation functions refuse sizes and bounds that are not what they need", () => {
  assertThrowsWith(() => nb.zeros(2.5), "zeros", "invalid shape [2.5]");
  assertThrowsWith(() => nb.ones([Number.NaN]), "ones", "invalid shape [NaN]");
  assertThrowsWith(() => nb.full([-1], 2), "full", "invalid shape [-1]");
  assertThrowsWith(() => nb.eye(-1), "eye", "-1");
  assertThrowsWith(() => nb.eye(2.5), "eye", "2.5");
  assertThrowsWith(() => nb.eye(2, Number.NaN), "eye", "NaN");
  assert.equal(nb.eye(2, { dtype: "float64" }).dtype, "float64");
  assert.deepEqual(nb.eye(2, { dtype: "int32" }).toArray(), [
    [1, 0],
    [0, 1],
  ]);
  assertThrowsWith(() => nb.randperm(-1), "randperm", "-1");
  assertThrowsWith(() => nb.randperm(2.5), "randperm", "2.5");
  assertThrowsWith(() => nb.randint(0, 2 ** 40, [2]), "randint", "int32");
  assertThrowsWith(() => nb.randint(0.5, 3, [2]), "randint", "integers", "0.5");
  assertThrowsWith(() => nb.randint(0, Number.NaN, [2]), "randint", "NaN");
  assertThrowsWith(() => nb.randint(0, 3, 2 as unknown as number[]), "randint", "shape");
  // torch.randint(high, size): low defaults to 0.
  const r = nb.randint(3, [200]);
  assert.equal(r.dtype, "int32");
  assert.equal(r.min().item(), 0);
  assert.equal(r.max().item(), 2);
  assertThrowsWith(() => nb.rand([2], { dtype: "int32" }), "rand", "int32");
  assertThrowsWith(() => nb.randn([2], { dtype: "bool" }), "randn", "bool");
  assertThrowsWith(() => nb.uniform(0, Infinity, [2]), "uniform", "finite");
  assertThrowsWith(() => nb.uniform(Number.NaN, 1, [2]), "uniform", "NaN");
  assertThrowsWith(() => nb.normal(0, Number.NaN, [2]), "normal", "std", "NaN");
  assertThrowsWith(() => nb.linspace(0, 1, -1), "linspace", "-1");
  assertThrowsWith(() => nb.linspace(0, 1, 2.5), "linspace", "2.5");
});
