// Losses against hand computations, their stability, module/function agreement and gradcheck.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { F, nn } from "nabla";
import { assertClose, assertThrowsWith, gradcheckTable, uniform64 } from "../helpers.js";

const int = (v: number[] | number[][]) => nb.tensor(v, { dtype: "int32" });
const probs = [
  [0.1, 0.3, 0.6],
  [0.3, 0.2, 0.5],
];
const logProbs = nb.tensor(probs, { dtype: "float64" }).log();

test("d2l's cross_entropy([[0.1,0.3,0.6],[0.3,0.2,0.5]], [0,2]) = [2.3026, 0.6931]", () => {
  const y = int([0, 2]);
  assertClose(F.crossEntropy(logProbs, y, { reduction: "none" }), [2.3026, 0.6931], { atol: 1e-4 });
  assertClose(F.nllLoss(logProbs, y, { reduction: "none" }), [-Math.log(0.1), -Math.log(0.5)]);
  assertClose(F.crossEntropy(logProbs, y), (-Math.log(0.1) - Math.log(0.5)) / 2);
  assertClose(F.crossEntropy(logProbs, y, { reduction: "sum" }), -Math.log(0.1) - Math.log(0.5));
  assertClose(new nn.CrossEntropyLoss().forward(logProbs, y), F.crossEntropy(logProbs, y));
});

test("cross-entropy: weights, ignoreIndex and label smoothing with PyTorch's normalisation", () => {
  const l = (i: number, c: number) => Math.log(probs[i][c]);
  const weight = nb.tensor([1, 2, 3], { dtype: "float64" });
  // Weighted mean divides by the sum of the targets' weights.
  assertClose(
    F.crossEntropy(logProbs, int([0, 2]), { weight }),
    (-1 * l(0, 0) - 3 * l(1, 2)) / (1 + 3),
  );
  assertClose(F.crossEntropy(logProbs, int([0, -100]), { reduction: "none" }), [-l(0, 0), 0]);
  assertClose(F.crossEntropy(logProbs, int([0, -100])), -l(0, 0));
  assertClose(F.crossEntropy(logProbs, int([0, 1]), { ignoreIndex: 1, weight }), -l(0, 0));
  const eps = 0.1;
  const smooth = (i: number, t: number) =>
    -(1 - eps) * l(i, t) - (eps / 3) * (l(i, 0) + l(i, 1) + l(i, 2));
  assertClose(F.crossEntropy(logProbs, int([0, 2]), { labelSmoothing: eps, reduction: "none" }), [
    smooth(0, 0),
    smooth(1, 2),
  ]);
  // With weights, both parts are normalised by the targets' weights.
  const wl = (i: number) => -(l(i, 0) * 1 + l(i, 1) * 2 + l(i, 2) * 3);
  const expected =
    (1 - eps) * ((-1 * l(0, 0) - 3 * l(1, 2)) / 4) + (eps / 3) * ((wl(0) + wl(1)) / 4);
  assertClose(F.crossEntropy(logProbs, int([0, 2]), { weight, labelSmoothing: eps }), expected);
  const ignored = F.crossEntropy(logProbs, int([0, -100]), { labelSmoothing: eps });
  assertClose(ignored, smooth(0, 0));
});

test("cross-entropy with probability targets and with [N, C, d] inputs", () => {
  const target = nb.tensor(
    [
      [0.2, 0.3, 0.5],
      [1, 0, 0],
    ],
    { dtype: "float64" },
  );
  const row = (i: number) =>
    -probs[i].reduce((s, p, c) => s + target.get(i, c).item() * Math.log(p), 0);
  assertClose(F.crossEntropy(logProbs, target, { reduction: "none" }), [row(0), row(1)]);
  assertClose(F.crossEntropy(logProbs, target), (row(0) + row(1)) / 2);
  const smoothed = F.crossEntropy(logProbs, target, { labelSmoothing: 0.3, reduction: "sum" });
  const t2 = target.mul(0.7).add(0.1);
  assertClose(smoothed, logProbs.mul(t2).sum().neg());
  // [N, C, d1, d2] equals the [N*d1*d2, C] layout.
  nb.manualSeed(0);
  const x = nb.randn([2, 4, 3, 2], { dtype: "float64" });
  const y = nb.randint(0, 4, [2, 3, 2]);
  const flat = x.permute(0, 2, 3, 1).reshape(-1, 4);
  assertClose(F.crossEntropy(x, y), F.crossEntropy(flat, y.reshape(-1)));
  assertClose(
    F.crossEntropy(x, y, { reduction: "none" }).reshape(-1),
    F.crossEntropy(flat, y.reshape(-1), { reduction: "none" }),
  );
  const w = nb.tensor([0.5, 1, 2, 4], { dtype: "float64" });
  assertClose(
    F.nllLoss(x.logSoftmax(1), y, { weight: w }),
    F.nllLoss(flat.logSoftmax(1), y.reshape(-1), { weight: w }),
  );
  // Unbatched: input [C], target [].
  assertClose(F.crossEntropy(logProbs.get(0), int(2 as any)), -Math.log(0.6));
});

test("cross-entropy stays finite for logits of +-1e4; fused and composed paths agree", () => {
  const x = nb.tensor(
    [
      [1e4, -1e4],
      [-1e4, 1e4],
    ],
    { requiresGrad: true },
  );
  const loss = F.crossEntropy(x, int([1, 1]));
  assertClose(loss, 1e4);
  loss.backward();
  assertClose(x.grad!, [
    [0.5, -0.5],
    [0, 0],
  ]);
  nb.manualSeed(1);
  const a = nb.randn([5, 7], { dtype: "float64", requiresGrad: true });
  const b = a.detach().clone().requiresGrad_();
  const t = nb.randint(0, 7, [5]);
  const fused = F.crossEntropy(a, t);
  const composed = F.crossEntropy(b, t, { weight: nb.ones([7], { dtype: "float64" }) });
  assert.equal(fused.gradFn?.name, "DivBackward0");
  assertClose(fused, composed);
  fused.backward();
  composed.backward();
  assertClose(a.grad!, b.grad!);
  // Double backward through the fused primitive (createGraph) matches the composed one.
  const [ga] = nb.grad(F.crossEntropy(a, t), [a], { createGraph: true });
  const [gb] = nb.grad(F.crossEntropy(b, t, { labelSmoothing: 1e-300 }), [b], {
    createGraph: true,
  });
  assertClose(ga!, gb!);
  const [gga] = nb.grad(ga!.square().sum(), [a]);
  const [ggb] = nb.grad(gb!.square().sum(), [b]);
  assertClose(gga!, ggb!);
});

test("cross-entropy and nll errors name the problem", () => {
  assertThrowsWith(
    () => F.crossEntropy(logProbs, int([0, 3])),
    "target 3 is out of bounds for 3 classes",
  );
  assertThrowsWith(
    () => F.crossEntropy(logProbs, nb.tensor([0, 1])),
    "probability targets must have the input's shape",
  );
  assertThrowsWith(
    () => F.crossEntropy(logProbs, int([0, 1, 2])),
    "target shape [3] does not match input shape [2,3]",
  );
  assertThrowsWith(
    () => F.crossEntropy(logProbs, int([0, 1]), { weight: nb.ones([2]) }),
    "weight must have shape [3]",
  );
});

test("regression losses: MSE, L1, Huber, SmoothL1 by hand", () => {
  const x = nb.tensor([1, 2, 3]);
  const y = nb.tensor([1, 1, 1]);
  assertClose(F.mseLoss(x, y), 5 / 3);
  assertClose(F.mseLoss(x, y, { reduction: "none" }), [0, 1, 4]);
  assertClose(F.l1Loss(x, y, { reduction: "sum" }), 3);
  assertClose(F.huberLoss(x, y, { reduction: "none" }), [0, 0.5, 1.5]);
  assertClose(F.huberLoss(x, y, { delta: 2, reduction: "none" }), [0, 0.5, 2]);
  assertClose(F.smoothL1Loss(x, y, { beta: 0.5, reduction: "none" }), [0, 0.75, 1.75]);
  assertClose(F.smoothL1Loss(nb.tensor([1.2]), nb.tensor([1]), { reduction: "none" }), [0.02]);
  assertClose(F.smoothL1Loss(x, y, { beta: 0 }), 1);
  assertClose(new nn.HuberLoss({ delta: 2 }).forward(x, y), (0 + 0.5 + 2) / 3);
  assertClose(new nn.L1Loss().forward(x, y), 1);
  assertThrowsWith(() => F.mseLoss(nb.zeros([4, 1]), nb.zeros([4])), "broadcast to [4,4]");
});

test("binary cross-entropies and KL divergence by hand, finite at the extremes", () => {
  assertClose(
    F.binaryCrossEntropy(nb.tensor([0.9, 0.2]), nb.tensor([1, 0]), { reduction: "none" }),
    [-Math.log(0.9), -Math.log(0.8)],
  );
  const p = nb.tensor([0, 1, 0.5], { requiresGrad: true });
  const bce = F.binaryCrossEntropy(p, nb.tensor([1, 0, 1]), { reduction: "sum" });
  assertClose(bce, 200 + Math.log(2), { rtol: 1e-6 });
  bce.backward();
  assert.equal(p.grad!.isfinite().logicalNot().sum().item(), 0);
  assertClose(p.grad!, [-1e12, 1e12, -2], { rtol: 1e-6 });
  const w = nb.tensor([2, 1, 1]);
  assertClose(
    new nn.BCELoss({ weight: w, reduction: "sum" }).forward(
      nb.tensor([0.5, 0.5, 0.5]),
      nb.tensor([1, 1, 0]),
    ),
    4 * Math.log(2),
  );
  const z = nb.tensor([0.5, -1]);
  const t = nb.tensor([1, 0]);
  const sp = (v: number) => Math.log1p(Math.exp(v));
  assertClose(F.binaryCrossEntropyWithLogits(z, t, { reduction: "none" }), [sp(-0.5), sp(-1)]);
  const pw = nb.tensor([3]);
  assertClose(new nn.BCEWithLogitsLoss({ posWeight: pw, reduction: "none" }).forward(z, t), [
    3 * sp(-0.5),
    sp(-1),
  ]);
  const big = nb.tensor([1e4, -1e4, 1e4], { requiresGrad: true });
  const l = F.binaryCrossEntropyWithLogits(big, nb.tensor([0, 1, 1]), { reduction: "none" });
  assertClose(l, [1e4, 1e4, 0]);
  l.sum().backward();
  assertClose(big.grad!, [1, -1, 0]);
  const logq = nb.tensor([[0.25, 0.75]]).log();
  const target = nb.tensor([[0.5, 0.5]]);
  const kl = 0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75);
  assertClose(F.klDiv(logq, target, { reduction: "sum" }), kl);
  assertClose(F.klDiv(logq, target, { reduction: "batchmean" }), kl);
  assertClose(F.klDiv(logq, target), kl / 2);
  assertClose(F.klDiv(logq, target.log(), { reduction: "sum", logTarget: true }), kl);
  assertClose(F.klDiv(logq, nb.tensor([[0, 1]]), { reduction: "none" }), [[0, -Math.log(0.75)]]);
  assertClose(new nn.KLDivLoss({ reduction: "batchmean" }).forward(logq, target), kl);
});

const pos = (shape: number[]) => uniform64(shape, 0.1, 0.9);
const idx = (n: number, c: number, extra: number[] = []) => {
  nb.manualSeed(7);
  return nb.randint(0, c, [n, ...extra]);
};
gradcheckTable("losses", [
  { name: "mse", fn: (x, y) => F.mseLoss(x, y), inputs: () => [pos([3, 2]), pos([3, 2])] },
  {
    name: "l1",
    fn: (x, y) => F.l1Loss(x, y, { reduction: "sum" }),
    inputs: () => [pos([4]), uniform64([4], 1.1, 2)],
  },
  {
    name: "huber",
    fn: (x, y) => F.huberLoss(x, y, { delta: 0.3, reduction: "none" }),
    inputs: () => [uniform64([6], -1, 1), uniform64([6], -1, 1)],
  },
  {
    name: "smoothL1",
    fn: (x, y) => F.smoothL1Loss(x, y, { beta: 0.3 }),
    inputs: () => [uniform64([6], -1, 1), uniform64([6], -1, 1)],
  },
  {
    name: "cross-entropy (fused)",
    fn: (x) => F.crossEntropy(x, idx(4, 5)),
    inputs: () => [uniform64([4, 5], -2, 2)],
  },
  {
    name: "cross-entropy [N,C,d] weight ignore smoothing",
    fn: (x) => {
      const t = idx(3, 4, [2]);
      nb.noGrad(() => t.set(0, 0, -100));
      return F.crossEntropy(x, t, {
        weight: nb.tensor([1, 2, 0.5, 3], { dtype: "float64" }),
        labelSmoothing: 0.2,
      });
    },
    inputs: () => [uniform64([3, 4, 2], -2, 2)],
  },
  {
    name: "cross-entropy probability targets",
    fn: (x, p) => F.crossEntropy(x, p, { labelSmoothing: 0.1, reduction: "none" }),
    inputs: () => [uniform64([3, 4], -2, 2), pos([3, 4])],
  },
  {
    name: "nll",
    fn: (x) => F.nllLoss(x, idx(5, 3), { reduction: "sum" }),
    inputs: () => [uniform64([5, 3], -3, -0.1)],
  },
  {
    name: "bce",
    fn: (x, y) =>
      F.binaryCrossEntropy(x, y, { weight: nb.tensor([1, 2, 3], { dtype: "float64" }) }),
    inputs: () => [pos([2, 3]), pos([2, 3])],
  },
  {
    name: "bce with logits, posWeight",
    fn: (x, y) =>
      F.binaryCrossEntropyWithLogits(x, y, {
        posWeight: nb.tensor([2, 0.5], { dtype: "float64" }),
        reduction: "sum",
      }),
    inputs: () => [uniform64([3, 2], -3, 3), pos([3, 2])],
  },
  {
    name: "kl div",
    fn: (x, y) => F.klDiv(x, y, { reduction: "batchmean" }),
    inputs: () => [uniform64([2, 3], -2, -0.1), pos([2, 3])],
  },
  {
    name: "kl div logTarget",
    fn: (x, y) => F.klDiv(x, y, { logTarget: true, reduction: "none" }),
    inputs: () => [uniform64([2, 3], -2, -0.1), uniform64([2, 3], -2, -0.1)],
  },
]);
