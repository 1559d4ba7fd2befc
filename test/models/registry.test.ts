// The model registry (names, the book's hyperparameters, builders) and `summary`'s table.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as nb from "nabla";
import { models, nn } from "nabla";

describe("models registry", () => {
  test("every name the CLI knows, in the book's order", () => {
    const names = models.list().map((m) => m.name);
    for (const n of [
      "softmax",
      "mlp",
      "mlp-dropout",
      "lenet",
      "lenet-bn",
      "alexnet",
      "vgg11",
      "nin",
      "googlenet",
      "resnet18",
      "densenet",
    ])
      assert.ok(names.includes(n), n);
    assert.ok(
      names.indexOf("lenet") < names.indexOf("alexnet") &&
        names.indexOf("resnet18") < names.indexOf("densenet"),
    );
  });

  test("the book's hyperparameters", () => {
    const d = (n: string) => models.get(n).defaults;
    assert.deepEqual(
      [d("lenet").lr, d("lenet").batchSize, d("lenet").epochs, d("lenet").resize],
      [0.9, 256, 10, undefined],
    );
    assert.deepEqual([d("lenet-bn").lr, d("lenet-bn").batchSize], [1.0, 256]);
    assert.deepEqual(
      [d("alexnet").lr, d("alexnet").batchSize, d("alexnet").resize],
      [0.01, 128, 224],
    );
    assert.deepEqual([d("vgg11").lr, d("vgg11").batchSize, d("vgg11").resize], [0.05, 128, 224]);
    assert.deepEqual([d("nin").lr, d("nin").batchSize, d("nin").resize], [0.1, 128, 224]);
    assert.deepEqual(
      [d("googlenet").lr, d("googlenet").batchSize, d("googlenet").resize],
      [0.1, 128, 96],
    );
    assert.deepEqual(
      [d("resnet18").lr, d("resnet18").batchSize, d("resnet18").resize],
      [0.05, 256, 96],
    );
    assert.deepEqual(
      [d("densenet").lr, d("densenet").batchSize, d("densenet").resize],
      [0.1, 256, 96],
    );
    assert.equal(d("lenet").init, "xavier");
    assert.equal(typeof d("softmax").init, "function");
  });

  test("build takes numClasses and inChannels; get is case-insensitive; unknown names list the known", () => {
    const net = models.get("LeNet").build({ numClasses: 5, inChannels: 3 });
    assert.deepEqual(nb.noGrad(() => net.forward(nb.randn([2, 3, 28, 28]))).shape, [2, 5]);
    const mlp = models.get("mlp-dropout").build();
    assert.equal(String(mlp).split("\n")[1], "  (0): Flatten(start_dim=1, end_dim=-1)");
    assert.throws(() => models.get("resnet50"), /unknown model "resnet50".*lenet, lenet-bn/);
    assert.equal(models.find("LeNet"), models.get("lenet"));
    assert.equal(models.find("resnet50"), undefined);
  });

  test("the softmax/MLP init draws N(0, 0.01) weights", () => {
    nb.manualSeed(5);
    const entry = models.get("mlp");
    const net = entry.build();
    (entry.defaults.init as (n: nn.Module) => void)(net);
    const w = (net as nn.Sequential).at(1) as nn.Linear;
    assert.ok(Math.abs(w.weight.std().item() - 0.01) < 0.001);
  });
});

describe("summary", () => {
  test("prints the book's walk with parameter counts and the total", () => {
    const lines: string[] = [];
    const s = models.summary(models.lenet(), [1, 1, 28, 28], { print: (l) => lines.push(l) });
    assert.equal(s.totalParams, 61706);
    assert.equal(s.trainableParams, 61706);
    assert.deepEqual(
      s.rows.map((r) => r.params),
      [156, 0, 0, 2416, 0, 0, 0, 48120, 0, 10164, 0, 850],
    );
    assert.match(lines[0], /^Layer \(type\)\s+Output shape\s+Param #$/);
    assert.match(lines[2], /^Conv2d \(0\)\s+\[1, 6, 28, 28\]\s+156$/);
    assert.equal(lines[lines.length - 3], "Total params: 61,706");
    assert.equal(s.text, lines.join("\n"));
  });

  test("runs in eval mode without touching batch-norm statistics, and restores the mode", () => {
    const net = models.lenetBN();
    const bn = net.at(1) as nn.BatchNorm2d;
    models.summary(net, [1, 1, 28, 28], { print: false });
    assert.equal(bn.numBatchesTracked!.item(), 0);
    assert.ok(net.training && bn.training);
    models.get("lenet").build().eval();
    const frozen = models.lenet();
    frozen.at(0).requiresGrad_(false);
    const s = models.summary(frozen, [1, 1, 28, 28], { print: false });
    assert.equal(s.totalParams - s.trainableParams, 156);
  });

  test("lazy layers get their shapes from the walk", () => {
    const net = new nn.Sequential(
      new nn.LazyConv2d(6, 5, { padding: 2 }),
      new nn.Sigmoid(),
      new nn.Flatten(),
      new nn.LazyLinear(10),
    );
    const s = models.summary(net, [1, 1, 28, 28], { print: false });
    assert.deepEqual(
      s.rows.map((r) => r.params),
      [156, 0, 0, 47050],
    );
    assert.equal(nb.summary, models.summary);
  });
});
