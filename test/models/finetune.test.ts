// Fine-tuning (d2l 13.2): freeze the feature extractor, replace the head, and give the head 10x
// the learning rate through optimizer parameter groups.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as nb from "nabla";
import { models, nn, optim } from "nabla";
import { assertBitwise } from "./model-helpers.js";

function batch(n: number, classes: number): [nb.Tensor, nb.Tensor] {
  const x = nb.randn([n, 1, 28, 28]);
  const y = nb.tensor(
    Array.from({ length: n }, (_, i) => i % classes),
    { dtype: "int32" },
  );
  return [x, y];
}

describe("fine-tuning", () => {
  test("frozen parameters stay bitwise unchanged, the new head moves", () => {
    nb.manualSeed(0);
    const net = models.lenetBN();
    // The "pretrained" body: everything but the last Linear.
    const old = models.replaceModule(net, "15", new nn.Linear(84, 2));
    assert.ok(old instanceof nn.Linear && old.outFeatures === 10);
    nn.init.xavierUniform_((net.at(15) as nn.Linear).weight);
    const head = net.at(15) as nn.Linear;
    for (let i = 0; i < 15; i++) models.freeze(net.at(i));
    const frozen = net.namedParameters().filter(([name]) => !name.startsWith("15."));
    assert.ok(frozen.every(([, p]) => !p.requiresGrad));
    const before = new Map(frozen.map(([name, p]) => [name, p.data().slice()]));
    const headBefore = head.weight.data().slice();
    const opt = new optim.SGD(
      net.parameters().filter((p) => p.requiresGrad),
      { lr: 0.1, weightDecay: 0.001 },
    );
    const [x, y] = batch(6, 2);
    for (let step = 0; step < 3; step++) {
      opt.zeroGrad();
      nb.F.crossEntropy(net.forward(x), y).backward();
      opt.step();
    }
    for (const [name, p] of frozen) {
      assert.equal(p.grad, null, `${name} got a gradient`);
      assertBitwise(p.data(), before.get(name)!, name);
    }
    const moved = head.weight.data().some((v, i) => v !== headBefore[i]);
    assert.ok(moved, "the head's weight did not change");
  });

  test("param groups: the head learns at 10x the body's rate (plain SGD shows it exactly)", () => {
    nb.manualSeed(1);
    const net = models.lenet();
    models.replaceModule(net, "11", new nn.Linear(84, 3));
    const lr = 0.01;
    const groups = models.fineTuneParamGroups(net, "11", lr);
    assert.equal(groups[0].params.length, 8);
    assert.equal(groups[1].params.length, 2);
    assert.equal(groups[1].lr, 10 * lr);
    const opt = new optim.SGD(groups, { lr });
    assert.deepEqual(
      opt.paramGroups.map((g) => g.lr),
      [lr, 10 * lr],
    );
    const [x, y] = batch(4, 3);
    const params = net.parameters();
    const before = params.map((p) => p.data().slice());
    opt.zeroGrad();
    nb.F.crossEntropy(net.forward(x), y).backward();
    const grads = params.map((p) => p.grad!.data().slice());
    opt.step();
    params.forEach((p, i) => {
      const rate = i >= 8 ? 10 * lr : lr;
      const expected = before[i].map((v, j) => v - rate * grads[i][j]);
      const after = p.data();
      for (let j = 0; j < after.length; j++) assert.ok(Math.abs(after[j] - expected[j]) < 1e-6);
    });
  });

  test("replaceModule reaches nested and named children; unfreeze restores gradients", () => {
    class Net extends nn.Module {
      features = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU());
      outputLayer = new nn.Sequential(new nn.Flatten(), new nn.Linear(8, 4));
      override forward(x: nb.Tensor) {
        return this.outputLayer.forward(this.features.forward(x));
      }
    }
    const net = new Net();
    const replacement = new nn.Linear(8, 2);
    models.replaceModule(net, "output_layer.1", replacement);
    assert.equal(net.outputLayer.at(1), replacement);
    assert.deepEqual(net.forward(nb.randn([1, 1, 4, 4])).shape, [1, 2]);
    models.replaceModule(net, "output_layer", new nn.Sequential(new nn.Flatten()));
    assert.deepEqual(Object.keys(net.stateDict()), ["features.0.weight", "features.0.bias"]);
    assert.throws(() => models.replaceModule(net, "features.7", new nn.ReLU()), /no child "7"/);
    models.freeze(net);
    assert.ok(net.parameters().every((p) => !p.requiresGrad));
    models.unfreeze(net.features);
    assert.ok(net.parameters().every((p) => p.requiresGrad));
  });
});
