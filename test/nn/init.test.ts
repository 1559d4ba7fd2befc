// nn.init: statistics of large tensors against PyTorch's formulas.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { nn } from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

const { init } = nn;

function stats(t: nb.Tensor): { mean: number; std: number; min: number; max: number } {
  return {
    mean: t.mean().item(),
    std: t.std().item(),
    min: t.min().item(),
    max: t.max().item(),
  };
}

test("calculateGain and fans follow PyTorch", () => {
  assert.equal(init.calculateGain("linear"), 1);
  assert.equal(init.calculateGain("conv2d"), 1);
  assert.equal(init.calculateGain("sigmoid"), 1);
  assertClose(init.calculateGain("tanh"), 5 / 3);
  assertClose(init.calculateGain("relu"), Math.SQRT2);
  assertClose(init.calculateGain("leaky_relu"), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assertClose(init.calculateGain("leaky_relu", Math.sqrt(5)), Math.sqrt(1 / 3));
  assert.equal(init.calculateGain("selu"), 0.75);
  assert.deepEqual(init.calculateFanInAndFanOut(nb.empty([8, 4])), [4, 8]);
  assert.deepEqual(init.calculateFanInAndFanOut(nb.empty([6, 1, 5, 5])), [25, 150]);
  assertThrowsWith(() => init.calculateFanInAndFanOut(nb.empty([3])), "fewer than 2 dimensions");
  assertThrowsWith(() => init.calculateGain("swish" as any), 'unsupported nonlinearity "swish"');
});

test("uniform_, normal_, constant_, zeros_, ones_, eye_ (on parameters, under no-grad)", () => {
  nb.manualSeed(0);
  const p = new nn.Parameter(nb.empty([400, 500]));
  let s = stats(init.uniform_(p, -2, 4));
  assertClose(s.mean, 1, { atol: 0.02 });
  assertClose(s.std, 6 / Math.sqrt(12), { rtol: 0.01 });
  assert.ok(s.min >= -2 && s.max < 4);
  s = stats(init.normal_(p, 3, 0.5));
  assertClose(s.mean, 3, { atol: 0.005 });
  assertClose(s.std, 0.5, { rtol: 0.01 });
  assert.equal(p.requiresGrad, true);
  assert.equal(p.gradFn, null);
  assertClose(init.constant_(nb.empty([2, 2]), 42), [
    [42, 42],
    [42, 42],
  ]);
  assertClose(init.zeros_(nb.ones([3])), [0, 0, 0]);
  assertClose(init.ones_(nb.zeros([2])), [1, 1]);
  assertClose(init.eye_(nb.empty([2, 3])), [
    [1, 0, 0],
    [0, 1, 0],
  ]);
  assertThrowsWith(() => init.normal_(new nn.LazyLinear(3).weight), "uninitialized");
});

test("xavier and kaiming match their std formulas (linear and conv layouts)", () => {
  nb.manualSeed(1);
  const w = nb.empty([300, 700]);
  const [fanIn, fanOut] = [700, 300];
  let s = stats(init.xavierUniform_(w));
  const xb = Math.sqrt(6 / (fanIn + fanOut));
  assert.ok(s.max <= xb && s.min >= -xb);
  assertClose(s.std, xb / Math.sqrt(3), { rtol: 0.01 });
  s = stats(init.xavierNormal_(w, 2));
  assertClose(s.std, 2 * Math.sqrt(2 / (fanIn + fanOut)), { rtol: 0.01 });
  s = stats(init.kaimingUniform_(w));
  assertClose(s.std, Math.sqrt(2 / fanIn), { rtol: 0.01 });
  assert.ok(s.max <= Math.sqrt(6 / fanIn));
  s = stats(init.kaimingUniform_(w, { a: Math.sqrt(5) }));
  assert.ok(s.max <= 1 / Math.sqrt(fanIn));
  s = stats(init.kaimingNormal_(w, { mode: "fan_out", nonlinearity: "relu" }));
  assertClose(s.std, Math.sqrt(2 / fanOut), { rtol: 0.01 });
  assertClose(s.mean, 0, { atol: 0.002 });
  const conv = nb.empty([64, 32, 3, 3]);
  s = stats(init.kaimingNormal_(conv, { nonlinearity: "relu" }));
  assertClose(s.std, Math.sqrt(2 / (32 * 9)), { rtol: 0.02 });
  s = stats(init.kaimingNormal_(conv, { mode: "fanOut", nonlinearity: "relu" }));
  assertClose(s.std, Math.sqrt(2 / (64 * 9)), { rtol: 0.02 });
});

test("truncNormal_ stays in [a, b] with the truncated normal's moments", () => {
  nb.manualSeed(2);
  const t = nb.empty([200000], { dtype: "float64" });
  let s = stats(init.truncNormal_(t));
  assert.ok(s.min >= -2 && s.max <= 2);
  assertClose(s.mean, 0, { atol: 0.01 });
  // Var of N(0,1) truncated to [-2, 2]: 1 - 2 * 2 phi(2) / (Phi(2) - Phi(-2)).
  assertClose(s.std, Math.sqrt(1 - (4 * 0.05399096651318806) / 0.9544997361036416), {
    rtol: 0.005,
  });
  s = stats(init.truncNormal_(t, 0, 1, 3, 4));
  assert.ok(s.min >= 3 && s.max <= 4);
  // E[X | 3 < X < 4] = (phi(3) - phi(4)) / (Phi(4) - Phi(3)).
  assertClose(
    s.mean,
    (0.0044318484119380075 - 0.00013383022576488537) / (0.9999683287581669 - 0.9986501019683699),
    {
      rtol: 0.003,
    },
  );
  // a and b are absolute bounds, as PyTorch's (not multiples of std).
  s = stats(init.truncNormal_(nb.empty([100000]), 1, 0.02, 0.96, 1.04));
  assertClose(s.std, 0.02 * 0.8796, { rtol: 0.02 });
  assertClose(s.mean, 1, { atol: 0.001 });
  assert.ok(s.min >= 0.96 && s.max <= 1.04);
});
