// AlexNet (7.1) and VGG (7.2): the book's shape walks on 1x1x224x224, PyTorch's keys, parameter
// counts, and a state-dict round trip. The full VGG-11 (129M parameters) only runs with
// NABLA_FULL_MODEL_TESTS=1; its ratio-4 version, which the book trains, always runs.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as nb from "nabla";
import { models } from "nabla";
import { roundTripInPlace, walk } from "./model-helpers.js";

const full = process.env.NABLA_FULL_MODEL_TESTS === "1";
const tail = [
  "Flatten",
  "Linear 1x4096",
  "ReLU 1x4096",
  "Dropout 1x4096",
  "Linear 1x4096",
  "ReLU 1x4096",
  "Dropout 1x4096",
  "Linear 1x10",
];

describe("AlexNet", () => {
  nb.manualSeed(0);
  const net = models.alexnet();

  test("shape walk on 1x1x224x224 equals the book's", () => {
    assert.deepEqual(walk(net, [1, 1, 224, 224]), [
      "Conv2d 1x96x54x54",
      "ReLU 1x96x54x54",
      "MaxPool2d 1x96x26x26",
      "Conv2d 1x256x26x26",
      "ReLU 1x256x26x26",
      "MaxPool2d 1x256x12x12",
      "Conv2d 1x384x12x12",
      "ReLU 1x384x12x12",
      "Conv2d 1x384x12x12",
      "ReLU 1x384x12x12",
      "Conv2d 1x256x12x12",
      "ReLU 1x256x12x12",
      "MaxPool2d 1x256x5x5",
      "Flatten 1x6400",
      ...tail.slice(1),
    ]);
  });

  test("keys and parameter count", () => {
    const keys = Object.keys(net.stateDict());
    assert.deepEqual(
      keys.filter((k) => k.endsWith(".weight")),
      ["0", "3", "6", "8", "10", "14", "17", "20"].map((i) => `${i}.weight`),
    );
    assert.equal(net.numParameters(), 46764746);
  });

  test("state-dict round trip gives identical outputs", () => {
    roundTripInPlace(net, nb.randn([1, 1, 224, 224]));
  });
});

describe("VGG", () => {
  test("vggBlock halves the resolution", () => {
    const blk = models.vggBlock(2, 3, 8);
    assert.equal(blk.length, 5);
    assert.deepEqual(nb.noGrad(() => blk.forward(nb.randn([1, 3, 8, 6]))).shape, [1, 8, 4, 3]);
  });

  test("the book's small VGG (ratio 4): walk on 1x1x224x224, keys, round trip", () => {
    nb.manualSeed(1);
    const net = models.smallVgg11();
    assert.deepEqual(walk(net, [1, 1, 224, 224]), [
      "Sequential 1x16x112x112",
      "Sequential 1x32x56x56",
      "Sequential 1x64x28x28",
      "Sequential 1x128x14x14",
      "Sequential 1x128x7x7",
      "Flatten 1x6272",
      ...tail.slice(1),
    ]);
    const keys = Object.keys(net.stateDict()).filter((k) => k.endsWith(".weight"));
    assert.deepEqual(
      keys,
      ["0.0", "1.0", "2.0", "2.2", "3.0", "3.2", "4.0", "4.2", "6", "9", "12"].map(
        (k) => `${k}.weight`,
      ),
    );
    roundTripInPlace(net, nb.randn([1, 1, 224, 224]));
  });

  test(
    "VGG-11: the book's walk and 128,806,154 parameters",
    { skip: !full && "set NABLA_FULL_MODEL_TESTS=1" },
    () => {
      const net = models.vgg11();
      assert.equal(net.numParameters(), 128806154);
      assert.deepEqual(walk(net, [1, 1, 224, 224]), [
        "Sequential 1x64x112x112",
        "Sequential 1x128x56x56",
        "Sequential 1x256x28x28",
        "Sequential 1x512x14x14",
        "Sequential 1x512x7x7",
        "Flatten 1x25088",
        ...tail.slice(1),
      ]);
    },
  );
});
