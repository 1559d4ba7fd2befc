// NiN (7.3) and GoogLeNet (7.4): shape walks, the Inception block's four paths, keys, round trips.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as nb from "nabla";
import { models } from "nabla";
import { roundTripInPlace, roundTripThroughSafetensors, walk } from "./model-helpers.js";

describe("NiN", () => {
  test("shape walk on 1x1x224x224 equals the book's", () => {
    nb.manualSeed(0);
    const net = models.nin();
    assert.deepEqual(walk(net, [1, 1, 224, 224]), [
      "Sequential 1x96x54x54",
      "MaxPool2d 1x96x26x26",
      "Sequential 1x256x26x26",
      "MaxPool2d 1x256x12x12",
      "Sequential 1x384x12x12",
      "MaxPool2d 1x384x5x5",
      "Dropout 1x384x5x5",
      "Sequential 1x10x5x5",
      "AdaptiveAvgPool2d 1x10x1x1",
      "Flatten 1x10",
    ]);
    const keys = Object.keys(net.stateDict()).filter((k) => k.endsWith("weight"));
    assert.deepEqual(
      keys,
      ["0.0", "0.2", "0.4", "2.0", "2.2", "2.4", "4.0", "4.2", "4.4", "7.0", "7.2", "7.4"].map(
        (k) => `${k}.weight`,
      ),
    );
    roundTripInPlace(net, nb.randn([1, 1, 224, 224]));
  });

  test("ninBlock: a conv and two 1x1 convs with ReLUs", () => {
    const blk = models.ninBlock(3, 5, 3, 2, 1);
    assert.equal(
      String(blk),
      [
        "Sequential(",
        "  (0): Conv2d(3, 5, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))",
        "  (1): ReLU()",
        "  (2): Conv2d(5, 5, kernel_size=(1, 1), stride=(1, 1))",
        "  (3): ReLU()",
        "  (4): Conv2d(5, 5, kernel_size=(1, 1), stride=(1, 1))",
        "  (5): ReLU()",
        ")",
      ].join("\n"),
    );
  });
});

describe("GoogLeNet", () => {
  test("Inception concatenates its four paths on the channel axis", () => {
    nb.manualSeed(1);
    const inc = new models.Inception(192, 64, [96, 128], [16, 32], 32);
    const x = nb.randn([2, 192, 6, 5]);
    const y = nb.noGrad(() => inc.forward(x));
    assert.deepEqual(y.shape, [2, 256, 6, 5]);
    // The first 64 channels are path 1: relu(p1_1(x)).
    const p1 = nb.noGrad(() => nb.relu(inc.p1_1.forward(x)));
    assert.deepEqual(Array.from(y.narrow(1, 0, 64).contiguous().data()), Array.from(p1.data()));
    assert.deepEqual(
      Object.keys(inc.stateDict()).filter((k) => k.endsWith("weight")),
      ["p1_1", "p2_1", "p2_2", "p3_1", "p3_2", "p4_2"].map((k) => `${k}.weight`),
    );
  });

  test("shape walk on 1x1x96x96 equals the book's; keys; round trip", () => {
    nb.manualSeed(2);
    const net = models.googlenet();
    assert.deepEqual(walk(net, [1, 1, 96, 96]), [
      "Sequential 1x64x24x24",
      "Sequential 1x192x12x12",
      "Sequential 1x480x6x6",
      "Sequential 1x832x3x3",
      "Sequential 1x1024",
      "Linear 1x10",
    ]);
    const keys = Object.keys(net.stateDict());
    assert.equal(keys[0], "0.0.weight");
    assert.ok(keys.includes("2.0.p1_1.weight") && keys.includes("4.1.p4_2.bias"));
    assert.equal(keys[keys.length - 1], "5.bias");
    roundTripThroughSafetensors(net, models.googlenet(), nb.randn([1, 1, 96, 96]));
  });
});
