// nb.grad(): inputs that are leaves or intermediates, unused inputs, and second derivatives with
// createGraph, checked against analytic formulas and numerically (gradcheck of the gradient).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose, assertThrowsWith, gradcheckTable, leaf } from "../helpers.js";

const f64 = (v: number[] | number[][]) => nb.tensor(v, { dtype: "float64" });

test("grad() returns gradients without touching .grad", () => {
  const x = nb.tensor([1, 2, 3], { requiresGrad: true });
  const [g] = nb.grad(x.mul(x).sum(), [x]);
  assertClose(g!, [2, 4, 6]);
  assert.equal(x.grad, null);
  assert.equal(g!.requiresGrad, false);
});

test("grad() with respect to intermediate (non-leaf) tensors", () => {
  const a = nb.tensor([1, 2, 3], { requiresGrad: true });
  const b = a.mul(2);
  const y = b.mul(b).add(b).sum();
  const [gb, ga] = nb.grad(y, [b, a]);
  assertClose(gb!, [5, 9, 13]); // 2b + 1
  assertClose(ga!, [10, 18, 26]); // 2 (2b + 1)
  // The output itself as an input.
  const c = a.exp();
  const [gc] = nb.grad(c, [c], { gradOutputs: [nb.tensor([1, 2, 3])] });
  assertClose(gc!, [1, 2, 3]);
});

test("grad() runs only the part of the graph it needs", () => {
  const x = nb.tensor([1, 2], { requiresGrad: true });
  const y = x.exp();
  const z = y.mul(y).sum();
  const [gy] = nb.grad(z, [y]);
  assertClose(gy!, y.mul(2).detach());
  // exp's saved output was not freed, so backward through it still works.
  y.sum().backward();
  assertClose(x.grad!, y.detach());
});

test("grad() options and errors: allowUnused, gradOutputs, several outputs", () => {
  const x = nb.tensor([1, 2], { requiresGrad: true });
  const w = nb.tensor([3, 4], { requiresGrad: true });
  const y = x.mul(2).sum();
  assertThrowsWith(() => nb.grad(y, [w], { retainGraph: true }), "grad", "input 0", "allowUnused");
  const [gx, gw] = nb.grad(y, [x, w], { allowUnused: true, retainGraph: true });
  assertClose(gx!, [2, 2]);
  assert.equal(gw, null);
  assertThrowsWith(() => nb.grad(x.mul(2), [x]), "grad", "gradOutputs", "[2]");
  assertThrowsWith(() => nb.grad(y, [nb.ones([2])]), "grad", "input 0", "does not require grad");
  assertThrowsWith(() => nb.grad(nb.ones([1]), [x]), "grad", "output 0", "does not require grad");
  const [g2] = nb.grad([x.mul(w).sum(), x.sum()], [x]);
  assertClose(g2!, [4, 5]);
  const [g3] = nb.grad(x.mul(3), [x], { gradOutputs: [nb.tensor([1, -1])] });
  assertClose(g3!, [3, -3]);
});

test("second derivatives of elementwise ops match the analytic formulas", () => {
  const x = f64([-1.2, -0.3, 0.4, 1.5]);
  const xs = [-1.2, -0.3, 0.4, 1.5];
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const cases: [string, (t: nb.Tensor) => nb.Tensor, (v: number) => number][] = [
    ["pow 3", (t) => t.pow(3), (v) => 6 * v],
    ["sin", (t) => t.sin(), (v) => -Math.sin(v)],
    ["exp", (t) => t.exp(), Math.exp],
    ["tanh", (t) => t.tanh(), (v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)],
    ["sigmoid", (t) => t.sigmoid(), (v) => sig(v) * (1 - sig(v)) * (1 - 2 * sig(v))],
    ["reciprocal", (t) => t.reciprocal(), (v) => 2 / v ** 3],
    ["x * x * x via mul", (t) => t.mul(t).mul(t), (v) => 6 * v],
    ["softplus", (t) => nb.softplus(t), (v) => sig(v) * (1 - sig(v))],
    ["silu", (t) => nb.silu(t), (v) => sig(v) * (2 + v * (1 - 2 * sig(v))) * (1 - sig(v))],
  ];
  for (const [name, fn, d2] of cases) {
    const t = x.detach().requiresGrad_();
    const [g] = nb.grad(fn(t).sum(), [t], { createGraph: true });
    assert.ok(g!.requiresGrad, `${name}: the first derivative is part of a graph`);
    const [h] = nb.grad(g!.sum(), [t]);
    assertClose(h!, xs.map(d2), { atol: 1e-10, rtol: 1e-8 });
  }
});

test("second derivatives of matmul and of reductions", () => {
  nb.manualSeed(2);
  // f(W) = sum((X W)^2): the gradient is 2 X^T X W, so d/dW <grad, V> = 2 X^T X V.
  const X = nb.randn([4, 3], { dtype: "float64" });
  const W = nb.randn([3, 2], { dtype: "float64", requiresGrad: true });
  const V = nb.randn([3, 2], { dtype: "float64" });
  const [gW] = nb.grad(X.matmul(W).pow(2).sum(), [W], { createGraph: true });
  assertClose(gW!, X.T.matmul(X).matmul(W).mul(2), { atol: 1e-10 });
  const [hv] = nb.grad(gW!.mul(V).sum(), [W]);
  assertClose(hv!, X.T.matmul(X).matmul(V).mul(2), { atol: 1e-10 });
  // logsumexp: gradient softmax(x) = p, Hessian diag(p) - p p^T.
  const x = nb.randn([5], { dtype: "float64", requiresGrad: true });
  const v = nb.randn([5], { dtype: "float64" });
  const [g] = nb.grad(x.logsumexp(0), [x], { createGraph: true });
  const p = nb.softmax(x.detach(), 0);
  assertClose(g!, p, { atol: 1e-12 });
  const [hvp] = nb.grad(g!.mul(v).sum(), [x]);
  assertClose(hvp!, p.mul(v).sub(p.mul(p.dot(v))), { atol: 1e-12 });
  // Unbiased variance: gradient 2 (x - mean) / (n - 1), Hessian-vector 2 (v - mean v) / (n - 1).
  const [gv] = nb.grad(x.var(), [x], { createGraph: true });
  assertClose(
    gv!,
    x
      .detach()
      .sub(x.detach().mean())
      .mul(2 / 4),
    { atol: 1e-12 },
  );
  const [hv2] = nb.grad(gv!.mul(v).sum(), [x]);
  assertClose(hv2!, v.sub(v.mean()).mul(2 / 4), { atol: 1e-12 });
  // sum and mean of squares: Hessian 2 I and 2 I / n.
  const [gs] = nb.grad(x.square().mean(), [x], { createGraph: true });
  const [hs] = nb.grad(gs!.sum(), [x]);
  assertClose(hs!, [0.4, 0.4, 0.4, 0.4, 0.4], { atol: 1e-12 });
});

test("createGraph stores graph-connected grads in .grad (double backward through .grad)", () => {
  const x = nb.tensor([1, 2], { dtype: "float64", requiresGrad: true });
  x.pow(3).sum().backward(null, { createGraph: true });
  const g = x.grad!;
  assert.ok(g.requiresGrad);
  x.grad = null;
  g.sum().backward();
  assertClose(x.grad!, [6, 12]);
});

// Numeric check of second derivatives: gradcheck of x -> grad(<f(x), w>, x) with createGraph.
const gradOf =
  (f: (x: nb.Tensor) => nb.Tensor) =>
  (x: nb.Tensor): nb.Tensor => {
    const y = f(x);
    const w = nb.linspace(0.5, 1.5, y.numel(), { dtype: "float64" }).reshape(y.shape.slice());
    return nb.grad(y.mul(w).sum(), [x], { createGraph: true })[0]!;
  };

gradcheckTable(
  "second order",
  (
    [
      ["exp", (x) => x.exp()],
      ["log", (x) => x.log(), true],
      ["sqrt", (x) => x.sqrt(), true],
      ["rsqrt", (x) => x.rsqrt(), true],
      ["tanh", (x) => x.tanh()],
      ["sigmoid", (x) => x.sigmoid()],
      ["gelu", (x) => nb.gelu(x)],
      ["silu", (x) => nb.silu(x)],
      ["elu", (x) => nb.elu(x)],
      ["softplus", (x) => nb.softplus(x)],
      ["cos", (x) => x.cos()],
      ["erf", (x) => x.erf()],
      ["div", (x) => x.div(x.add(3))],
      ["pow tensor", (x) => x.pow(x), true],
      ["atan2", (x) => nb.atan2(x, x.add(2))],
      ["maximum", (x) => nb.maximum(x, x.flip(-1)).square()],
      ["matmul", (x) => x.matmul(x.T).square()],
      ["sum dim", (x) => x.square().sum(1)],
      ["mean keepdim", (x) => x.mul(x.mean(0, true))],
      ["prod", (x) => x.prod(1)],
      ["amax", (x) => x.amax(1).square()],
      ["var", (x) => x.var({ dim: 1 })],
      ["std", (x) => x.std({ dim: 1 })],
      ["logsumexp", (x) => x.logsumexp(1)],
      ["norm", (x) => x.norm(2, 1)],
      ["softmax", (x) => nb.softmax(x, 1)],
      ["logSoftmax", (x) => nb.logSoftmax(x, 0)],
      ["cumsum", (x) => x.cumsum(1).square()],
      [
        "gather",
        (x) =>
          x
            .gather(
              1,
              nb.tensor(
                [
                  [2, 0],
                  [1, 1],
                ],
                { dtype: "int32" },
              ),
            )
            .square(),
      ],
      ["indexSelect", (x) => x.indexSelect(1, [2, 0, 2]).exp()],
      ["cat and slicing", (x) => nb.cat([x, x.get(":, ::2")], 1).square()],
      ["pad", (x) => nb.pad(x, [1, 1]).square()],
      ["where", (x) => nb.where(x.gt(1), x.square(), x.exp())],
    ] as [string, (x: nb.Tensor) => nb.Tensor, boolean?][]
  ).map(([name, f, positive]) => ({
    name,
    fn: gradOf(f),
    inputs: () => [leaf([2, 3], "transposed", { positive })],
  })),
);
