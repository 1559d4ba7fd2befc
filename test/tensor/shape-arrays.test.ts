// Every tensor's shape and strides are packed arrays of one hidden class, whatever array they were
// built from (a literal, a spread, `new Array(n)`, a frozen array): V8 optimises hot code for the
// classes it has seen, and a new one deoptimised every function that reads shapes. The class is
// checked with V8's own intrinsics, in a child process started with --allow-natives-syntax.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import * as nb from "nabla";
import { contiguousStrides, packedCopy } from "../../src/tensor/shape.js";

test("contiguousStrides and packedCopy values, zero-size dims included", () => {
  assert.deepEqual(contiguousStrides([]), []);
  assert.deepEqual(contiguousStrides([5]), [1]);
  assert.deepEqual(contiguousStrides([2, 3]), [3, 1]);
  assert.deepEqual(contiguousStrides([2, 3, 4]), [12, 4, 1]);
  assert.deepEqual(contiguousStrides([2, 3, 4, 5]), [60, 20, 5, 1]);
  assert.deepEqual(contiguousStrides([2, 3, 4, 5, 6, 7]), [2520, 840, 210, 42, 7, 1]);
  assert.deepEqual(contiguousStrides([2, 0, 3, 4, 5]), [0, 60, 20, 5, 1]);
  assert.deepEqual(contiguousStrides([0, 3]), [3, 1]);
  const holey = new Array<number>(6);
  for (let i = 0; i < 6; i++) holey[i] = i + 1;
  assert.deepEqual(packedCopy(holey), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(packedCopy(Object.freeze([4, 5])), [4, 5]);
});

test("a tensor keeps its own copy of the shape it was given", () => {
  const shape = [2, 3];
  const t = nb.Tensor.fromArray(new Float32Array(6), shape);
  shape[0] = 7;
  assert.deepEqual(t.shape, [2, 3]);
  assert.deepEqual(t.strides, [3, 1]);
});

const CHILD = `
const sameMap = new Function("a", "b", "return %HaveSameMap(a, b)");
const holey = new Function("a", "return %HasHoleyElements(a)");
const nb = await import("nabla");
const ref = nb.zeros([2, 3]);
const fromHoley = new Array(2); fromHoley[0] = 4; fromHoley[1] = 5;
const a = nb.randn([4, 5, 6]).requiresGrad_();
const w = nb.randn([7, 6]).requiresGrad_();
const made = {
  literal: nb.zeros([4, 5]),
  holeyShape: nb.Tensor.fromArray(new Float32Array(20), fromHoley),
  frozenShape: nb.Tensor.fromArray(new Float32Array(20), Object.freeze([4, 5])),
  scalar: nb.tensor(3),
  vector: nb.arange(5),
  sixDims: nb.zeros([1, 2, 1, 2, 1, 2]),
  transposed: a.transpose(0, 2),
  permuted: a.permute([2, 0, 1]),
  expanded: nb.ones([1, 6]).expand([5, 6]),
  reshaped: a.reshape([20, 6]),
  flattened: a.flatten(1),
  matmul: nb.matmul(a, w.T),
  summed: a.sum(0),
  linear: nb.F.linear(a.reshape([20, 6]), w),
  narrowed: a.narrow(1, 1, 3),
};
const loss = made.matmul.sum().add(made.linear.relu().sum());
loss.backward();
made.gradA = a.grad;
made.gradW = w.grad;
const bad = [];
for (const [name, t] of Object.entries(made)) {
  for (const field of ["shape", "strides"]) {
    const arr = t[field];
    if (holey(arr) || !sameMap(arr, ref.shape)) bad.push(name + "." + field);
  }
}
console.log(JSON.stringify(bad));
`;

test("every tensor's shape and strides share one packed hidden class", () => {
  const r = spawnSync(
    process.execPath,
    ["--allow-natives-syntax", "--import", "tsx", "--input-type=module", "-e", CHILD],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split("\n").at(-1)!), []);
});
