// ResNet (7.6, and the multi-GPU chapter's variant) and DenseNet (7.7): residual and dense
// blocks, the book's shape walks, keys with batch-norm buffers, round trips.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as nb from "nabla";
import { models } from "nabla";
import { roundTripInPlace, roundTripThroughSafetensors, walk, warmUp } from "./model-helpers.js";

describe("ResNet", () => {
  test("Residual keeps the shape, or halves it with use1x1conv and strides 2 (the book's example)", () => {
    const x = nb.randn([4, 3, 6, 6]);
    const same = new models.Residual(3, 3);
    assert.deepEqual(nb.noGrad(() => same.forward(x)).shape, [4, 3, 6, 6]);
    const down = new models.Residual(3, 6, { use1x1conv: true, strides: 2 });
    assert.deepEqual(nb.noGrad(() => down.forward(x)).shape, [4, 6, 3, 3]);
    assert.deepEqual(
      Object.keys(down.stateDict()).filter((k) => !k.startsWith("bn")),
      ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias"],
    );
    assert.ok(Object.keys(same.stateDict()).every((k) => !k.startsWith("conv3")));
    assert.deepEqual(Object.keys(same.stateDict()).slice(4, 9), [
      "bn1.weight",
      "bn1.bias",
      "bn1.running_mean",
      "bn1.running_var",
      "bn1.num_batches_tracked",
    ]);
  });

  test("ResNet-18: the book's walk on 1x1x224x224 through its stages; keys; round trip", () => {
    nb.manualSeed(0);
    const net = models.resnet18();
    assert.deepEqual(walk(net, [1, 1, 224, 224]), [
      "Sequential 1x64x56x56",
      "Sequential 1x64x56x56",
      "Sequential 1x128x28x28",
      "Sequential 1x256x14x14",
      "Sequential 1x512x7x7",
      "AdaptiveAvgPool2d 1x512x1x1",
      "Flatten 1x512",
      "Linear 1x10",
    ]);
    const keys = Object.keys(net.stateDict());
    for (const k of [
      "0.0.weight",
      "0.1.running_var",
      "1.0.conv1.weight",
      "2.0.conv3.weight",
      "4.1.bn2.num_batches_tracked",
      "7.weight",
    ])
      assert.ok(keys.includes(k), k);
    assert.ok(!keys.includes("1.0.conv3.weight"), "the first stage has no 1x1 shortcut");
    assert.equal(net.numParameters(), 11178378);
    warmUp(net, nb.randn([2, 1, 32, 32]));
    roundTripInPlace(net, nb.randn([1, 1, 64, 64]));
  });

  test("the multi-GPU chapter's ResNet-18: 3x3 stem, no max pool, named stages", () => {
    nb.manualSeed(1);
    const net = models.resnet18Small();
    assert.deepEqual(walk(net, [1, 1, 28, 28]), [
      "Conv2d 1x64x28x28",
      "BatchNorm2d 1x64x28x28",
      "ReLU 1x64x28x28",
      "Sequential 1x64x28x28",
      "Sequential 1x128x14x14",
      "Sequential 1x256x7x7",
      "Sequential 1x512x4x4",
      "AdaptiveAvgPool2d 1x512x1x1",
      "Sequential 1x10",
    ]);
    const keys = Object.keys(net.stateDict());
    for (const k of [
      "0.weight",
      "1.running_mean",
      "resnet_block1.0.conv1.weight",
      "resnet_block4.0.conv3.bias",
      "fc.1.weight",
    ])
      assert.ok(keys.includes(k), k);
  });
});

describe("DenseNet", () => {
  test("DenseBlock adds numConvs * growth channels; transitionBlock halves everything (the book's examples)", () => {
    const blk = new models.DenseBlock(2, 3, 10);
    const y = nb.noGrad(() => blk.forward(nb.randn([4, 3, 8, 8])));
    assert.deepEqual(y.shape, [4, 23, 8, 8]);
    assert.deepEqual(
      nb.noGrad(() => models.transitionBlock(23, 10).forward(y)).shape,
      [4, 10, 4, 4],
    );
    assert.deepEqual(Object.keys(blk.stateDict()).slice(0, 6), [
      "net.0.0.weight",
      "net.0.0.bias",
      "net.0.0.running_mean",
      "net.0.0.running_var",
      "net.0.0.num_batches_tracked",
      "net.0.2.weight",
    ]);
  });

  test("walk on 1x1x96x96: 64x48x48 ... 248x3x3 ... 10; keys; round trip", () => {
    nb.manualSeed(2);
    const net = models.densenet();
    assert.deepEqual(walk(net, [1, 1, 96, 96]), [
      "Sequential 1x64x24x24",
      "DenseBlock 1x192x24x24",
      "Sequential 1x96x12x12",
      "DenseBlock 1x224x12x12",
      "Sequential 1x112x6x6",
      "DenseBlock 1x240x6x6",
      "Sequential 1x120x3x3",
      "DenseBlock 1x248x3x3",
      "BatchNorm2d 1x248x3x3",
      "ReLU 1x248x3x3",
      "AdaptiveAvgPool2d 1x248x1x1",
      "Flatten 1x248",
      "Linear 1x10",
    ]);
    // One level deeper, the stem's layers show the 48x48 of the first convolution.
    assert.deepEqual(walk(net, [1, 1, 96, 96], 2).slice(0, 5), [
      "Conv2d 1x64x48x48",
      "BatchNorm2d 1x64x48x48",
      "ReLU 1x64x48x48",
      "MaxPool2d 1x64x24x24",
      "DenseBlock 1x192x24x24",
    ]);
    const keys = Object.keys(net.stateDict());
    for (const k of ["0.0.weight", "1.net.3.2.weight", "2.2.weight", "8.running_var", "12.weight"])
      assert.ok(keys.includes(k), k);
    warmUp(net, nb.randn([2, 1, 96, 96]));
    roundTripThroughSafetensors(net, models.densenet(), nb.randn([1, 1, 96, 96]));
  });
});
