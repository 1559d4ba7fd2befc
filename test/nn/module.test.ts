// nn.Module semantics: discovery order, deduplication, registration, freezing, modes, state
// dicts, hooks and the printed tree.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { nn, type Tensor } from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

class Block extends nn.Module {
  fc1 = new nn.Linear(3, 4);
  act = new nn.ReLU();
  fc2 = new nn.Linear(4, 2);
  scale = new nn.Parameter(nb.ones([2]));
  constant = nb.ones([2]); // a plain tensor: neither a parameter nor a buffer
  constructor() {
    super();
    this.registerBuffer("runningMean", nb.zeros([2]));
    this.registerBuffer("scratch", nb.zeros([1]), { persistent: false });
  }
  override forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x))).mul(this.scale);
  }
}

test("fields are discovered in declaration order, with PyTorch names", () => {
  const b = new Block();
  assert.deepEqual(
    b.namedParameters().map(([n]) => n),
    ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"],
  );
  assert.deepEqual(
    b.namedChildren().map(([n]) => n),
    ["fc1", "act", "fc2"],
  );
  assert.deepEqual(
    b.namedBuffers().map(([n]) => n),
    ["running_mean", "scratch"],
  );
  // As PyTorch: a module's own members come before its children's.
  assert.deepEqual(Object.keys(b.stateDict()), [
    "scale",
    "running_mean",
    "fc1.weight",
    "fc1.bias",
    "fc2.weight",
    "fc2.bias",
  ]);
  assert.deepEqual(
    b.namedModules().map(([n]) => n),
    ["", "fc1", "act", "fc2"],
  );
  assert.equal(b.modules().length, 4);
  assert.equal(b.numParameters(), 3 * 4 + 4 + 4 * 2 + 2 + 2);
});

test("reassigning or deleting a field is seen at the next query (nothing cached)", () => {
  const b = new Block();
  b.fc2 = new nn.Linear(4, 5);
  assert.deepEqual(b.stateDict()["fc2.weight"].shape, [5, 4]);
  assert.equal(b.namedChildren()[2][0], "fc2", "a reassigned field keeps its place");
  (b as any).extra = new nn.Linear(1, 1);
  assert.equal(b.namedChildren().at(-1)![0], "extra");
  delete (b as any).extra;
  assert.equal(
    b.namedChildren().some(([n]) => n === "extra"),
    false,
  );
});

test("addModule keeps registration order for integer-like and free-form names", () => {
  const m = new nn.Module();
  m.addModule("10", new nn.ReLU());
  m.addModule("2", new nn.Tanh());
  m.addModule("block 0", new nn.Sigmoid());
  assert.deepEqual(
    m.namedChildren().map(([n]) => n),
    ["10", "2", "block 0"],
  );
  assertThrowsWith(() => m.addModule("a.b", new nn.ReLU()), 'can\'t contain "."');
  assertThrowsWith(
    () => m.addModule("forward", new nn.ReLU()),
    'attribute "forward" already exists',
  );
  assertThrowsWith(
    () => m.registerParameter("w", nb.ones([2]) as any),
    "nn.Parameter or null is required",
  );
  m.registerParameter("bias", null);
  assert.equal(m.parameters().length, 0);
});

test("a shared parameter or module is listed once, but the state dict names every path", () => {
  const shared = new nn.Linear(4, 4);
  const net = new nn.Sequential(shared, new nn.ReLU(), shared);
  assert.equal(net.parameters().length, 2);
  assert.deepEqual(
    net.namedParameters().map(([n]) => n),
    ["0.weight", "0.bias"],
  );
  assert.deepEqual(Object.keys(net.stateDict()), ["0.weight", "0.bias", "2.weight", "2.bias"]);
  assert.equal(net.children().length, 2);
  assert.equal(net.at(0), net.at(2));
});

test("freezing with requiresGrad_(false) and zeroGrad", () => {
  const net = new nn.Sequential(new nn.Linear(3, 2), new nn.Linear(2, 1));
  net.at(0).requiresGrad_(false);
  net
    .forward(nb.ones([4, 3]))
    .sum()
    .backward();
  assert.equal(net.at(0).weight.grad, null);
  assert.ok(net.at(1).weight.grad !== null);
  assert.equal(net.numParameters({ onlyTrainable: true }), 3);
  net.zeroGrad({ setToNone: false });
  assertClose(net.at(1).weight.grad!, [[0, 0]]);
  net.zeroGrad();
  assert.equal(net.at(1).weight.grad, null);
});

test("train and eval propagate to every descendant; apply visits children first", () => {
  const net = new nn.Sequential(new nn.Sequential(new nn.Dropout(0.5)), new nn.Linear(2, 2));
  net.eval();
  assert.ok(net.modules().every((m) => !m.training));
  net.train();
  assert.ok(net.modules().every((m) => m.training));
  const order: string[] = [];
  net.apply((m) => order.push(m.constructor.name));
  assert.deepEqual(order, ["Dropout", "Sequential", "Linear", "Sequential"]);
});

test("stateDict round-trips parameters and buffers, sharing data until copied", () => {
  nb.manualSeed(1);
  const a = new Block();
  const b = new Block();
  nb.noGrad(() => (a as any).runningMean.fill_(3));
  const sd = a.stateDict();
  assert.equal(sd["fc1.weight"].requiresGrad, false);
  assert.equal(sd["fc1.weight"].storage, a.fc1.weight.storage);
  const result = b.loadStateDict(sd);
  assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
  for (const [k, v] of Object.entries(b.stateDict())) assertClose(v, sd[k]);
  assertClose((b as any).runningMean, [3, 3]);
  assert.notEqual(b.fc1.weight.storage, a.fc1.weight.storage);
  const x = nb.randn([2, 3]);
  assertClose(b.forward(x), a.forward(x));
});

test("loadStateDict reports every missing, unexpected and mis-shaped key at once", () => {
  const net = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
  const sd = net.stateDict();
  const bad: Record<string, Tensor> = {
    ...sd,
    "3.weight": nb.ones([1]),
    "0.weight": nb.ones([8, 5]),
  };
  delete bad["2.bias"];
  const before = net.at(0).bias!.data().slice();
  assertThrowsWith(
    () => net.loadStateDict(bad),
    "Error(s) in loading state_dict for Sequential",
    'Missing key(s) in state_dict: "2.bias".',
    'Unexpected key(s) in state_dict: "3.weight".',
    "size mismatch for 0.weight: copying a param with shape [8, 5] from checkpoint, the shape in current model is [8, 4].",
  );
  assertClose(net.at(0).bias!, before, { atol: 0 });
  delete bad["0.weight"];
  const r = net.loadStateDict(bad, { strict: false });
  assert.deepEqual(r, { missingKeys: ["0.weight", "2.bias"], unexpectedKeys: ["3.weight"] });
});

test("forward hooks wrap forward (no hidden __call__) and can be removed", () => {
  const lin = new nn.Linear(2, 2);
  const seen: number[][] = [];
  const h = lin.registerForwardHook((_m, _inputs, out) => {
    seen.push(out.shape.slice());
    return out.mul(0);
  });
  const pre = lin.registerForwardPreHook((_m, [x]) => [(x as Tensor).mul(2)]);
  const y = lin.forward(nb.ones([3, 2]));
  assert.deepEqual(seen, [[3, 2]]);
  assertClose(y, nb.zeros([3, 2]));
  h.remove();
  pre.remove();
  assert.equal(Object.keys(lin).includes("forward"), false);
  const z = lin.forward(nb.ones([1, 2]));
  assert.equal(seen.length, 1);
  assert.notEqual(z.abs().sum().item(), 0);
  // A hook on a child runs when the parent calls child.forward.
  const net = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
  let calls = 0;
  net.at(0).registerForwardHook(() => {
    calls++;
  });
  net.forward(nb.ones([1, 2]));
  assert.equal(calls, 1);
});

test("to(dtype) casts in place, keeping the same Parameter objects", () => {
  const net = new nn.Sequential(new nn.Linear(2, 3));
  const w = net.at(0).weight;
  const before = w.data().slice();
  net.to("float64");
  assert.equal(net.at(0).weight, w);
  assert.equal(w.dtype, "float64");
  assertClose(w.data(), before, { atol: 0 });
  assert.equal(net.forward(nb.ones([1, 2], { dtype: "float64" })).dtype, "float64");
  net.float();
  assert.equal(w.dtype, "float32");
  assertThrowsWith(() => net.to("int32"), "only floating dtypes");
});

test("Parameter is a leaf sharing its source's data; requiresGrad by default", () => {
  const t = nb.randn([2, 2]);
  const p = new nn.Parameter(t);
  assert.ok(p.isLeaf && p.requiresGrad && p instanceof nb.Tensor);
  assert.equal(p.storage, t.storage);
  assert.equal(new nn.Parameter(t, false).requiresGrad, false);
  const q = new nn.Parameter(nb.randn([2], { requiresGrad: true }).mul(2));
  assert.ok(q.isLeaf);
  assert.match(String(p), /^Parameter containing:\ntensor\(/);
  assertThrowsWith(() => new nn.Parameter(nb.ones([2], { dtype: "int32" })), "floating-point");
});

test("getSubmodule follows dotted PyTorch names", () => {
  const net = new nn.Sequential(new Block());
  assert.ok(net.getSubmodule("0.fc2") instanceof nn.Linear);
  assertThrowsWith(() => net.getSubmodule("0.nope"), 'no submodule "nope"');
});

test("addModule names are listed verbatim; only camelCase field names become snake_case", () => {
  // PyTorch: net.add_module("DenseBlosk_0", ...) is listed, saved and found as "DenseBlosk_0".
  const net = new nn.Sequential();
  net.addModule("DenseBlosk_0", new nn.Linear(2, 3));
  net.addModule("myBlock", new nn.Linear(3, 1));
  net.addModule("Transition", new nn.ReLU());
  assert.deepEqual(
    net.namedChildren().map(([n]) => n),
    ["DenseBlosk_0", "myBlock", "Transition"],
  );
  assert.deepEqual(Object.keys(net.stateDict()), [
    "DenseBlosk_0.weight",
    "DenseBlosk_0.bias",
    "myBlock.weight",
    "myBlock.bias",
  ]);
  assert.equal(net.getSubmodule("DenseBlosk_0"), (net as any).DenseBlosk_0);
  assert.equal(
    String(net),
    [
      "Sequential(",
      "  (DenseBlosk_0): Linear(in_features=2, out_features=3, bias=True)",
      "  (myBlock): Linear(in_features=3, out_features=1, bias=True)",
      "  (Transition): ReLU()",
      ")",
    ].join("\n"),
  );
  // A checkpoint saved under those names loads back.
  const copy = new nn.Sequential();
  copy.addModule("DenseBlosk_0", new nn.Linear(2, 3));
  copy.addModule("myBlock", new nn.Linear(3, 1));
  copy.addModule("Transition", new nn.ReLU());
  copy.loadStateDict(net.stateDict());
  assertClose(copy.getSubmodule("myBlock").stateDict().weight, net.stateDict()["myBlock.weight"]);

  // Fields: camelCase is converted, anything else is kept.
  class Fields extends nn.Module {
    outProj = new nn.Linear(1, 1);
    DenseBlock_0 = new nn.Linear(1, 1);
    W_q = new nn.Parameter(nb.ones([1]));
    conv1 = new nn.Identity();
    constructor() {
      super();
      this.registerBuffer("runningMean", nb.zeros([1]));
    }
  }
  assert.deepEqual(Object.keys(new Fields().stateDict()), [
    "W_q",
    "running_mean",
    "out_proj.weight",
    "out_proj.bias",
    "DenseBlock_0.weight",
    "DenseBlock_0.bias",
  ]);
  // Replacing a child keeps the name it is listed under.
  const f = new Fields();
  nb.models.replaceModule(f, "out_proj", new nn.Linear(1, 2));
  nb.models.replaceModule(net, "myBlock", new nn.Linear(3, 4));
  assert.deepEqual(f.getSubmodule("out_proj").stateDict().weight.shape, [2, 1]);
  assert.deepEqual(
    net.namedChildren().map(([n]) => n),
    ["DenseBlosk_0", "myBlock", "Transition"],
  );
  assert.deepEqual(net.getSubmodule("myBlock").stateDict().weight.shape, [4, 3]);
});
