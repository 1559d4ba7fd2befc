// nn.utils: gradient clipping and parameter vectors.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { nn } from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

function withGrads(grads: number[][]): nb.Tensor[] {
  return grads.map((g) => {
    const p = nb.zeros([g.length], { requiresGrad: true });
    p.grad = nb.tensor(g);
    return p;
  });
}

test("clipGradNorm_ returns the total norm and scales by maxNorm / (norm + 1e-6)", () => {
  const ps = withGrads([
    [3, 0],
    [0, 4],
  ]);
  const total = nn.utils.clipGradNorm_(ps, 1);
  assertClose(total, 5);
  const c = 1 / (5 + 1e-6);
  assertClose(ps[0].grad!, [3 * c, 0]);
  assertClose(ps[1].grad!, [0, 4 * c]);
  const small = withGrads([[0.3, 0.4]]);
  assertClose(nn.utils.clipGradNorm_(small, 1), 0.5);
  assertClose(small[0].grad!, [0.3, 0.4]);
  const inf = withGrads([[1, -7], [2]]);
  assertClose(nn.utils.clipGradNorm_(inf, 3.5, Infinity), 7);
  assertClose(inf[0].grad!, [0.5, -3.5], { rtol: 1e-5 });
  const l1 = withGrads([[1, -1], [2]]);
  assertClose(nn.utils.clipGradNorm_(l1, 100, 1), 4);
  const nan = withGrads([[Number.NaN, 1]]);
  assertThrowsWith(() => nn.utils.clipGradNorm_(nan, 1, 2, true), "total norm of order 2");
  assert.equal(nn.utils.clipGradNorm_([nb.zeros([1], { requiresGrad: true })], 1).item(), 0);
});

test("clipGradValue_ clamps every gradient; parameter vectors round-trip", () => {
  const ps = withGrads([[3, -0.2], [-5]]);
  nn.utils.clipGradValue_(ps, 1);
  assertClose(ps[0].grad!, [1, -0.2]);
  assertClose(ps[1].grad!, [-1]);
  const net = new nn.Linear(3, 2);
  const v = nn.utils.parametersToVector(net.parameters());
  assert.deepEqual(v.shape, [8]);
  nn.utils.vectorToParameters(v.mul(2), net.parameters());
  assertClose(nn.utils.parametersToVector(net.parameters()), v.mul(2));
  assertThrowsWith(
    () => nn.utils.vectorToParameters(nb.zeros([3]), net.parameters()),
    "expected a vector of 8 elements",
  );
});
