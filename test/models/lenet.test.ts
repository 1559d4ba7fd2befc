// LeNet (6.6) and LeNet-BN (7.5): the book's shape walk, PyTorch's state-dict keys, parameter
// counts, a safetensors round trip, and one training step that lowers the loss.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as nb from "nabla";
import { models, nn, optim } from "nabla";
import { roundTripThroughSafetensors, walk, warmUp } from "./model-helpers.js";

describe("LeNet", () => {
  test("shape walk on 1x1x28x28 equals the book's", () => {
    assert.deepEqual(walk(models.lenet(), [1, 1, 28, 28]), [
      "Conv2d 1x6x28x28",
      "Sigmoid 1x6x28x28",
      "AvgPool2d 1x6x14x14",
      "Conv2d 1x16x10x10",
      "Sigmoid 1x16x10x10",
      "AvgPool2d 1x16x5x5",
      "Flatten 1x400",
      "Linear 1x120",
      "Sigmoid 1x120",
      "Linear 1x84",
      "Sigmoid 1x84",
      "Linear 1x10",
    ]);
  });

  test("state-dict keys and parameter count are PyTorch's", () => {
    const net = models.lenet();
    assert.deepEqual(Object.keys(net.stateDict()), [
      "0.weight",
      "0.bias",
      "3.weight",
      "3.bias",
      "7.weight",
      "7.bias",
      "9.weight",
      "9.bias",
      "11.weight",
      "11.bias",
    ]);
    assert.equal(net.numParameters(), 61706);
    assert.equal(
      String(net.at(0)),
      "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))",
    );
  });

  test("numClasses and inChannels", () => {
    const net = models.lenet({ numClasses: 3, inChannels: 2 });
    assert.deepEqual(nb.noGrad(() => net.forward(nb.randn([2, 2, 28, 28]))).shape, [2, 3]);
  });

  test("safetensors round trip gives identical outputs", () => {
    nb.manualSeed(1);
    const x = nb.randn([2, 1, 28, 28]);
    roundTripThroughSafetensors(models.lenet(), models.lenet(), x);
  });

  test("a few SGD steps on a fixed batch lower the loss", () => {
    nb.manualSeed(2);
    const net = models.lenet();
    const x = nb.randn([8, 1, 28, 28]);
    const y = nb.tensor([0, 1, 2, 3, 4, 5, 6, 7], { dtype: "int32" });
    const opt = new optim.SGD(net.parameters(), { lr: 0.9 });
    const lossOf = () => nb.F.crossEntropy(net.forward(x), y);
    const first = lossOf().item();
    for (let i = 0; i < 5; i++) {
      opt.zeroGrad();
      lossOf().backward();
      opt.step();
    }
    assert.ok(lossOf().item() < first, `loss ${lossOf().item()} did not drop below ${first}`);
  });
});

describe("LeNet with batch norm", () => {
  test("shape walk on 1x1x28x28", () => {
    assert.deepEqual(walk(models.lenetBN(), [1, 1, 28, 28]), [
      "Conv2d 1x6x24x24",
      "BatchNorm2d 1x6x24x24",
      "Sigmoid 1x6x24x24",
      "AvgPool2d 1x6x12x12",
      "Conv2d 1x16x8x8",
      "BatchNorm2d 1x16x8x8",
      "Sigmoid 1x16x8x8",
      "AvgPool2d 1x16x4x4",
      "Flatten 1x256",
      "Linear 1x120",
      "BatchNorm1d 1x120",
      "Sigmoid 1x120",
      "Linear 1x84",
      "BatchNorm1d 1x84",
      "Sigmoid 1x84",
      "Linear 1x10",
    ]);
  });

  test("state-dict keys include the batch-norm buffers", () => {
    const keys = Object.keys(models.lenetBN().stateDict());
    const bn = (i: number) =>
      ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"].map(
        (k) => `${i}.${k}`,
      );
    const lin = (i: number) => [`${i}.weight`, `${i}.bias`];
    assert.deepEqual(keys, [
      ...lin(0),
      ...bn(1),
      ...lin(4),
      ...bn(5),
      ...lin(9),
      ...bn(10),
      ...lin(12),
      ...bn(13),
      ...lin(15),
    ]);
    assert.equal(models.lenetBN().numParameters(), 44878);
  });

  test("double() converts parameters and buffers; float64 forward in training and eval", () => {
    const net = models.lenetBN().double();
    const bn = net.at(1) as nn.BatchNorm2d;
    assert.equal(bn.runningMean!.dtype, "float64");
    assert.equal(bn.numBatchesTracked!.dtype, "int32");
    const x = nb.randn([3, 1, 28, 28], { dtype: "float64" });
    assert.equal(net.forward(x).dtype, "float64");
    net.eval();
    assert.equal(nb.noGrad(() => net.forward(x)).dtype, "float64");
  });

  test("round trip after training-mode batches (running statistics included)", () => {
    nb.manualSeed(3);
    const net = models.lenetBN();
    warmUp(net, nb.randn([4, 1, 28, 28]));
    assert.equal((net.at(1) as nn.BatchNorm2d).numBatchesTracked!.item(), 1);
    roundTripThroughSafetensors(net, models.lenetBN(), nb.randn([2, 1, 28, 28]));
  });
});
