// Layers and containers: printed trees vs PyTorch's exact strings, shapes, initial values, modes.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { F, nn } from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

test("printed trees match PyTorch's repr exactly", () => {
  const net = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
  assert.equal(
    String(net),
    "Sequential(\n  (0): Linear(in_features=4, out_features=8, bias=True)\n  (1): ReLU()\n  (2): Linear(in_features=8, out_features=1, bias=True)\n)",
  );
  const cases: [nn.Module, string][] = [
    [new nn.Linear(3, 2, { bias: false }), "Linear(in_features=3, out_features=2, bias=False)"],
    [new nn.LazyLinear(10), "LazyLinear(in_features=0, out_features=10, bias=True)"],
    [new nn.Identity(), "Identity()"],
    [new nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"],
    [new nn.ELU(), "ELU(alpha=1.0)"],
    [new nn.GELU(), "GELU(approximate='none')"],
    [new nn.SiLU(), "SiLU()"],
    [new nn.Sigmoid(), "Sigmoid()"],
    [new nn.Tanh(), "Tanh()"],
    [new nn.Softplus(), "Softplus(beta=1.0, threshold=20.0)"],
    [new nn.Softmax(1), "Softmax(dim=1)"],
    [new nn.LogSoftmax(-1), "LogSoftmax(dim=-1)"],
    [new nn.Dropout(0.2), "Dropout(p=0.2, inplace=False)"],
    [new nn.Flatten(), "Flatten(start_dim=1, end_dim=-1)"],
    [new nn.Unflatten(1, [2, 5]), "Unflatten(dim=1, unflattened_size=(2, 5))"],
    [new nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"],
    [new nn.MSELoss(), "MSELoss()"],
    [new nn.CrossEntropyLoss(), "CrossEntropyLoss()"],
    [new nn.Module(), "Module()"],
  ];
  for (const [m, s] of cases) assert.equal(String(m), s);
  const nested = new nn.Sequential(new nn.Sequential(new nn.Linear(2, 2)), new nn.Tanh());
  assert.equal(
    String(nested),
    "Sequential(\n  (0): Sequential(\n    (0): Linear(in_features=2, out_features=2, bias=True)\n  )\n  (1): Tanh()\n)",
  );
  const list = new nn.ModuleList([
    new nn.Linear(2, 2),
    new nn.Linear(2, 2),
    new nn.Linear(2, 2),
    new nn.ReLU(),
  ]);
  assert.equal(
    String(list),
    "ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n  (3): ReLU()\n)",
  );
  // Names given to a Sequential (PyTorch's OrderedDict) are kept as written.
  const named = new nn.Sequential({ hiddenLayer: new nn.Linear(1, 1), act: new nn.ReLU() });
  assert.match(String(named), /\(hiddenLayer\): Linear/);
});

test("Python float formatting in reprs", async () => {
  const { pyFloat } = await import("../../src/nn/repr.js");
  const cases: [number, string][] = [
    [1, "1.0"],
    [0.01, "0.01"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [2.5e-7, "2.5e-07"],
    [1e16, "1e+16"],
    [123456789012345, "123456789012345.0"],
    [-0.5, "-0.5"],
  ];
  for (const [x, s] of cases) assert.equal(pyFloat(x), s);
});

test("Linear: shapes, PyTorch's default init bounds, forward = x W^T + b", () => {
  nb.manualSeed(0);
  const lin = new nn.Linear(256, 64);
  assert.deepEqual(lin.weight.shape, [64, 256]);
  const bound = 1 / Math.sqrt(256);
  assert.ok(lin.weight.abs().max().item() <= bound);
  assert.ok(lin.bias!.abs().max().item() <= bound);
  // U(-b, b) has variance b^2 / 3.
  assertClose(lin.weight.std().item(), bound / Math.sqrt(3), { rtol: 0.03 });
  const x = nb.randn([5, 256]);
  assertClose(lin.forward(x), x.matmul(lin.weight.T).add(lin.bias!), { atol: 1e-5 });
  assertClose(F.linear(x, lin.weight), x.matmul(lin.weight.T), { atol: 1e-5 });
  assertThrowsWith(
    () => lin.forward(nb.ones([2, 3])),
    "linear: input of shape [2,3] has 3 features",
  );
});

test("LazyLinear: no shape until the first forward, then a Linear (same object)", () => {
  const lazy = new nn.LazyLinear(4);
  const w = lazy.weight;
  assert.ok(w instanceof nn.UninitializedParameter);
  assert.equal(lazy.numParameters(), 0);
  const opt = new nb.optim.SGD(lazy.parameters(), { lr: 0.1 });
  const y = lazy.forward(nb.ones([2, 7]));
  assert.deepEqual(y.shape, [2, 4]);
  assert.equal(lazy.weight, w);
  assert.ok(!(w instanceof nn.UninitializedParameter));
  assert.deepEqual((w as nb.Tensor).shape, [4, 7]);
  assert.equal(String(lazy), "Linear(in_features=7, out_features=4, bias=True)");
  y.sum().backward();
  opt.step();
  // Loading a state dict into a fresh lazy layer gives it the saved shape.
  const fresh = new nn.LazyLinear(4);
  fresh.loadStateDict(lazy.stateDict());
  assertClose(fresh.weight, lazy.weight);
  assert.equal(String(fresh), "Linear(in_features=7, out_features=4, bias=True)");
});

test("activation modules match their functions", () => {
  const x = nb.tensor([-3, -0.5, 0, 0.5, 3]);
  const cases: [nn.Module, (t: nb.Tensor) => nb.Tensor][] = [
    [new nn.ReLU(), (t) => t.relu()],
    [new nn.LeakyReLU(0.2), (t) => nb.where(t.gt(0), t, t.mul(0.2))],
    [new nn.ELU(), (t) => nb.where(t.gt(0), t, t.exp().sub(1))],
    [new nn.SiLU(), (t) => t.mul(t.sigmoid())],
    [new nn.Sigmoid(), (t) => t.sigmoid()],
    [new nn.Tanh(), (t) => t.tanh()],
    [new nn.Softplus(), (t) => t.exp().add(1).log()],
    [new nn.Softplus(2, 1), (t) => nb.where(t.mul(2).gt(1), t, t.mul(2).exp().add(1).log().div(2))],
    [new nn.GELU(), (t) => t.mul(t.div(Math.SQRT2).erf().add(1)).mul(0.5)],
    [new nn.LogSigmoid(), (t) => t.sigmoid().log()],
    [new nn.ReLU6(), (t) => t.clamp(0, 6)],
    [new nn.Identity(), (t) => t],
  ];
  for (const [m, f] of cases) assertClose(m.forward(x), f(x), { atol: 1e-6 });
  const tanhGelu = new nn.GELU("tanh").forward(x);
  assertClose(tanhGelu, nb.tensor([-0.00363739, -0.15428599, 0, 0.34571401, 2.99636261]), {
    atol: 1e-6,
  });
  const logits = nb.tensor([[1, 2, 3]]);
  assertClose(new nn.Softmax(1).forward(logits).sum(1), [1]);
  assertClose(new nn.LogSoftmax(1).forward(logits).exp(), new nn.Softmax(1).forward(logits));
  assertClose(F.logsigmoid(nb.tensor([-1e4, 1e4])), [-1e4, 0]);
});

test("Dropout: scaled mask in training, identity in eval", () => {
  nb.manualSeed(3);
  const drop = new nn.Dropout(0.25);
  const x = nb.ones([20000]);
  const y = drop.forward(x);
  const zeros = y.eq(0).sum().item() / 20000;
  assert.ok(Math.abs(zeros - 0.25) < 0.015, `dropped fraction ${zeros}`);
  assertClose(y.max(), 1 / 0.75);
  drop.eval();
  assert.equal(drop.forward(x), x);
  assertThrowsWith(() => new nn.Dropout(1.5), "between 0 and 1");
});

test("Flatten and Unflatten", () => {
  const x = nb.zeros([2, 3, 4, 5]);
  assert.deepEqual(new nn.Flatten().forward(x).shape, [2, 60]);
  assert.deepEqual(new nn.Flatten(0, 2).forward(x).shape, [24, 5]);
  assert.deepEqual(new nn.Unflatten(1, [3, 4]).forward(nb.zeros([2, 12])).shape, [2, 3, 4]);
});

test("Sequential: at (negative), length, iteration, append, insert, slice, pop", () => {
  const [a, b, c] = [new nn.Linear(1, 1), new nn.ReLU(), new nn.Tanh()];
  const net = new nn.Sequential(a, b);
  assert.equal(net.length, 2);
  assert.equal(net.at(-1), b);
  assertThrowsWith(() => net.at(2), "index 2 is out of range for 2 modules");
  net.append(c);
  assert.deepEqual([...net], [a, b, c]);
  const d = new nn.Sigmoid();
  net.insert(1, d);
  assert.deepEqual([...net], [a, d, b, c]);
  assert.deepEqual(
    net.namedChildren().map(([n]) => n),
    ["0", "1", "2", "3"],
  );
  const part = net.slice(1, 3);
  assert.ok(part instanceof nn.Sequential);
  assert.deepEqual(
    part.namedChildren().map(([n, m]) => [n, m]),
    [
      ["1", d],
      ["2", b],
    ],
  );
  assert.equal(net.pop(1), d);
  assert.deepEqual([...net], [a, b, c]);
  assert.deepEqual(
    net.namedChildren().map(([n]) => n),
    ["0", "1", "2"],
  );
  net.addModule("extra", new nn.Identity());
  assert.equal(net.length, 4);
  const x = nb.tensor([[0.5]]);
  assertClose(net.forward(x), a.forward(x).relu().tanh());
});

test("ModuleList and ModuleDict register their modules", () => {
  const list = new nn.ModuleList<nn.Module>([new nn.Linear(2, 2), new nn.Linear(2, 3)]);
  list.append(new nn.ReLU());
  assert.equal(list.length, 3);
  assert.deepEqual(Object.keys(list.stateDict()), ["0.weight", "0.bias", "1.weight", "1.bias"]);
  assert.ok(list.at(-1) instanceof nn.ReLU);
  list.insert(0, new nn.Tanh());
  assert.ok(list.at(0) instanceof nn.Tanh);
  assert.equal([...list].length, 4);
  assertThrowsWith(() => list.forward(nb.ones([1])), "forward: not implemented");
  const dict = new nn.ModuleDict({ conv: new nn.Linear(1, 1), act: new nn.ReLU() });
  assert.deepEqual(dict.keys(), ["conv", "act"]);
  assert.ok(dict.get("act") instanceof nn.ReLU);
  dict.set("out", new nn.Linear(1, 2));
  assert.deepEqual(Object.keys(dict.stateDict()), [
    "conv.weight",
    "conv.bias",
    "out.weight",
    "out.bias",
  ]);
  dict.pop("conv");
  assert.deepEqual([...dict], ["act", "out"]);
  assertThrowsWith(() => dict.set("keys", new nn.ReLU()), 'attribute "keys" already exists');
});
