// PyTorch's functional ops take their trailing arguments positionally (F.max_pool2d(x, 2, 1)):
// nabla's accept them in PyTorch's order as well as an options object, and refuse what they would
// otherwise drop. Values recorded from PyTorch 1.13 on x = arange(25.).reshape(1, 1, 5, 5),
// x1 = arange(10.).reshape(1, 2, 5), xs = arange(4.).reshape(1, 1, 2, 2).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { F, nn } from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

const f64 = { dtype: "float64" } as const;
const x = nb.arange(0, 25, 1, f64).reshape(1, 1, 5, 5);
const x1 = nb.arange(0, 10, 1, f64).reshape(1, 2, 5);
const xs = nb.arange(0, 4, 1, f64).reshape(1, 1, 2, 2);
const w = () => nb.arange(0, 18, 1, f64).reshape(2, 1, 3, 3).sub(8).div(10);
const b = () => nb.tensor([0.5, -1], f64);
const wt = () => nb.arange(0, 8, 1, f64).reshape(1, 2, 2, 2).sub(3).div(4);
const w1 = () => nb.arange(0, 12, 1, f64).reshape(2, 2, 3).sub(5).div(6);

const CASES: {
  torch: string;
  positional: () => nb.Tensor;
  options: () => nb.Tensor;
  shape: number[];
  values: number[];
}[] = [
  {
    torch: "F.max_pool2d(x, 2, 1)",
    positional: () => F.maxPool2d(x, 2, 1),
    options: () => F.maxPool2d(x, 2, { stride: 1 }),
    shape: [1, 1, 4, 4],
    values: [6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19, 21, 22, 23, 24],
  },
  {
    torch: "F.max_pool2d(x, 3, 1, 1)",
    positional: () => F.maxPool2d(x, 3, 1, 1),
    options: () => F.maxPool2d(x, 3, { stride: 1, padding: 1 }),
    shape: [1, 1, 5, 5],
    values: [
      6, 7, 8, 9, 9, 11, 12, 13, 14, 14, 16, 17, 18, 19, 19, 21, 22, 23, 24, 24, 21, 22, 23, 24, 24,
    ],
  },
  {
    torch: "F.max_pool2d(x, 2, None, 0, 1, True)",
    positional: () => F.maxPool2d(x, 2, null, 0, 1, true),
    options: () => F.maxPool2d(x, 2, { ceilMode: true }),
    shape: [1, 1, 3, 3],
    values: [6, 8, 9, 16, 18, 19, 21, 23, 24],
  },
  {
    torch: "F.max_pool2d(x, 2, 1, 0, 2)",
    positional: () => F.maxPool2d(x, 2, 1, 0, 2),
    options: () => F.maxPool2d(x, 2, 1, { dilation: 2 }),
    shape: [1, 1, 3, 3],
    values: [12, 13, 14, 17, 18, 19, 22, 23, 24],
  },
  {
    torch: "F.avg_pool2d(x, 3, 1, 1, False, False)",
    positional: () => F.avgPool2d(x, 3, 1, 1, false, false),
    options: () => F.avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false }),
    shape: [1, 1, 5, 5],
    values: [
      3, 3.5, 4.5, 5.5, 6, 5.5, 6, 7, 8, 8.5, 10.5, 11, 12, 13, 13.5, 15.5, 16, 17, 18, 18.5, 18,
      18.5, 19.5, 20.5, 21,
    ],
  },
  {
    torch: "F.avg_pool2d(x, 2, None, 0, True)",
    positional: () => F.avgPool2d(x, 2, null, 0, true),
    options: () => F.avgPool2d(x, 2, { ceilMode: true }),
    shape: [1, 1, 3, 3],
    values: [3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24],
  },
  {
    torch: "F.conv2d(x, w, b, 2, 1)",
    positional: () => F.conv2d(x, w(), b(), 2, 1),
    options: () => F.conv2d(x, w(), b(), { stride: 2, padding: 1 }),
    shape: [1, 2, 3, 3],
    values: [
      -0.3, -3.6, -5.1, -15.4, -33.1, -29.8, -33.9, -61.2, -48.3, 9, 19.2, 15, 39.8, 62.6, 41.6,
      29.4, 42.6, 25.8,
    ],
  },
  {
    torch: "F.conv2d(x, w, None, 1, 2, 2)",
    positional: () => F.conv2d(x, w(), null, 1, 2, 2),
    options: () => F.conv2d(x, w(), { padding: 2, dilation: 2 }),
    shape: [1, 2, 5, 5],
    values: [
      -1.6, -2.4, -5.2, -5.2, -6.4, -5.6, -6.4, -12.7, -11.2, -12.4, -10.8, -12.9, -24, -20.1,
      -22.8, -18.8, -20.8, -34.3, -25.6, -28, -28.8, -30.8, -50.8, -37.6, -40, 20, 22.8, 32.6, 20,
      22.4, 34, 36.8, 52.1, 32, 34.4, 48.6, 51.9, 73.2, 44.7, 47.4, 20.8, 22.4, 30.5, 17.6, 18.8,
      28.8, 30.4, 41, 23.6, 24.8,
    ],
  },
  {
    torch: "F.conv_transpose2d(x, wt, None, 2, 1, 1)",
    positional: () => F.convTranspose2d(x, wt(), null, 2, 1, 1),
    options: () => F.convTranspose2d(x, wt(), { stride: 2, padding: 1, outputPadding: 1 }),
    shape: [1, 2, 9, 9],
    values: [
      0, -0.25, 0, -0.5, 0, -0.75, 0, -1, 0, -2.5, -4.5, -3, -5.25, -3.5, -6, -4, -6.75, -4.5, 0,
      -1.5, 0, -1.75, 0, -2, 0, -2.25, 0, -5, -8.25, -5.5, -9, -6, -9.75, -6.5, -10.5, -7, 0, -2.75,
      0, -3, 0, -3.25, 0, -3.5, 0, -7.5, -12, -8, -12.75, -8.5, -13.5, -9, -14.25, -9.5, 0, -4, 0,
      -4.25, 0, -4.5, 0, -4.75, 0, -10, -15.75, -10.5, -16.5, -11, -17.25, -11.5, -18, -12, 0,
      -5.25, 0, -5.5, 0, -5.75, 0, -6, 0, 0, 0.75, 1, 1.5, 2, 2.25, 3, 3, 4, 2.5, 1.5, 3, 1.75, 3.5,
      2, 4, 2.25, 4.5, 5, 4.5, 6, 5.25, 7, 6, 8, 6.75, 9, 5, 2.75, 5.5, 3, 6, 3.25, 6.5, 3.5, 7, 10,
      8.25, 11, 9, 12, 9.75, 13, 10.5, 14, 7.5, 4, 8, 4.25, 8.5, 4.5, 9, 4.75, 9.5, 15, 12, 16,
      12.75, 17, 13.5, 18, 14.25, 19, 10, 5.25, 10.5, 5.5, 11, 5.75, 11.5, 6, 12, 20, 15.75, 21,
      16.5, 22, 17.25, 23, 18, 24,
    ],
  },
  {
    torch: "F.unfold(x, 2, 1, 0, 2)",
    positional: () => F.unfold(x, 2, 1, 0, 2),
    options: () => F.unfold(x, 2, { stride: 2 }),
    shape: [1, 4, 4],
    values: [0, 2, 10, 12, 1, 3, 11, 13, 5, 7, 15, 17, 6, 8, 16, 18],
  },
  {
    torch: "F.fold(F.unfold(x, 2, 1, 0, 2), [5, 5], 2, 1, 0, 2)",
    positional: () => F.fold(F.unfold(x, 2, 1, 0, 2), [5, 5], 2, 1, 0, 2),
    options: () => F.fold(F.unfold(x, 2, { stride: 2 }), [5, 5], 2, { stride: 2 }),
    shape: [1, 1, 5, 5],
    values: [0, 1, 2, 3, 0, 5, 6, 7, 8, 0, 10, 11, 12, 13, 0, 15, 16, 17, 18, 0, 0, 0, 0, 0, 0],
  },
  {
    torch: "F.max_pool1d(x1, 2, 1)",
    positional: () => F.maxPool1d(x1, 2, 1),
    options: () => F.maxPool1d(x1, 2, { stride: 1 }),
    shape: [1, 2, 4],
    values: [1, 2, 3, 4, 6, 7, 8, 9],
  },
  {
    torch: "F.avg_pool1d(x1, 3, 2, 1)",
    positional: () => F.avgPool1d(x1, 3, 2, 1),
    options: () => F.avgPool1d(x1, 3, { stride: 2, padding: 1 }),
    shape: [1, 2, 3],
    values: [0.3333333333, 2, 2.3333333333, 3.6666666667, 7, 5.6666666667],
  },
  {
    torch: "F.conv1d(x1, w1, None, 2, 1)",
    positional: () => F.conv1d(x1, w1(), null, 2, 1),
    options: () => F.conv1d(x1, w1(), null, { stride: 2, padding: 1 }),
    shape: [1, 2, 3],
    values: [
      -1.3333333333, -6.8333333333, -9.3333333333, 10.6666666667, 20.1666666667, 14.6666666667,
    ],
  },
  {
    torch: "F.interpolate(xs, None, 2, 'bilinear', False)",
    positional: () => F.interpolate(xs, null, 2, "bilinear", false),
    options: () => F.interpolate(xs, { scaleFactor: 2, mode: "bilinear", alignCorners: false }),
    shape: [1, 1, 4, 4],
    values: [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3],
  },
];

for (const c of CASES) {
  test(`${c.torch}: positional arguments and options give PyTorch's result`, () => {
    for (const got of [c.positional(), c.options()]) {
      assert.deepEqual(got.shape, c.shape);
      assertClose(got.flatten(), c.values, { atol: 1e-9 });
    }
  });
}

test("F.maxPool2d(x, 2, 0) is refused as PyTorch refuses it, not run with the default stride", () => {
  assertThrowsWith(() => F.maxPool2d(x, 2, 0), "maxPool2d", "stride [0,0]", "positive");
});

test("arguments the ops cannot take are errors naming the op", () => {
  assertThrowsWith(
    () => (F.maxPool2d as any)(x, 2, 1, 0, 1, false, false, 7),
    "maxPool2d: takes at most 5 arguments",
    "stride, padding, dilation, ceilMode, returnIndices",
  );
  assertThrowsWith(() => F.maxPool2d(x, 2, 1, { stride: 2 } as any), "maxPool2d", "stride both");
  assertThrowsWith(
    () => F.maxPool2d(x, 2, { strides: 2 } as any),
    "maxPool2d",
    "unknown option strides",
  );
  assertThrowsWith(
    () => (F.maxPool2d as any)(x, 2, { stride: 1 }, 0),
    "maxPool2d",
    "options object must come last",
  );
  assertThrowsWith(() => F.maxPool2d(x, 2, { returnIndices: true }), "maxPool2d", "returnIndices");
  assertThrowsWith(
    () => F.avgPool2d(x, 2, { dilation: 2 } as any),
    "avgPool2d",
    "unknown option dilation",
  );
  assertThrowsWith(() => F.avgPool2d(x, 2, 2, 0, false, true, 3), "avgPool2d", "divisorOverride");
  assertThrowsWith(() => F.conv2d(x, w(), 5 as any), "conv2d", "bias must be a Tensor");
  assertThrowsWith(() => F.conv2d(x, w(), null, 1, 0, 1, 1, 9 as any), "conv2d: takes at most 4");
  assertThrowsWith(
    () => F.interpolate(xs, { scale_factor: 2 } as any),
    "interpolate",
    "scale_factor",
  );
  // Losses: PyTorch's third positional argument is a weight or a deprecated flag; an options
  // object is required, and a misspelt option is refused.
  const logits = nb.tensor([[1, 2, 0.5]]);
  const labels = nb.tensor([1], { dtype: "int32" });
  assertThrowsWith(
    () => F.crossEntropy(logits, labels, nb.ones([3]) as any),
    "crossEntropy: expected an options object",
    "a Tensor",
  );
  assertThrowsWith(
    () => F.mseLoss(logits, logits, { reductio: "sum" } as any),
    "mseLoss",
    "reductio",
  );
  assertThrowsWith(
    () => new nn.CrossEntropyLoss({ label_smoothing: 0.1 } as any),
    "CrossEntropyLoss",
    "label_smoothing",
  );
  assertThrowsWith(() => new nn.MSELoss("sum" as any), "MSELoss", "options object");
  assertThrowsWith(() => F.gelu(logits, { approx: "tanh" } as any), "gelu", "approx");
  assertClose(F.gelu(logits, "tanh"), F.gelu(logits, { approximate: "tanh" }));
});

test("layers take PyTorch's positional arguments too", () => {
  // nn.MaxPool2d(kernel_size, stride, padding, dilation, return_indices, ceil_mode)
  assertClose(new nn.MaxPool2d(2, 1).forward(x).flatten(), CASES[0].values);
  assert.equal(
    String(new nn.MaxPool2d(3, 2, 1)),
    "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)",
  );
  assert.equal(String(new nn.AvgPool2d(3, 1, 1)), "AvgPool2d(kernel_size=3, stride=1, padding=1)");
  assertClose(new nn.AvgPool2d(3, 1, 1, false, false).forward(x).flatten(), CASES[4].values);
  // nn.Conv2d(in, out, kernel_size, stride, padding, dilation, groups, bias, padding_mode)
  assert.equal(
    String(new nn.Conv2d(1, 6, 5, 1, 2)),
    "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))",
  );
  assert.equal(
    String(new nn.Conv2d(2, 4, 3, 2, 1, 1, 2, false)),
    "Conv2d(2, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2, bias=False)",
  );
  assert.equal(new nn.Conv2d(1, 2, 3, 1, 1, { dtype: "float64" }).weight.dtype, "float64");
  assert.equal(
    String(new nn.ConvTranspose2d(4, 2, 4, 2, 1)),
    "ConvTranspose2d(4, 2, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))",
  );
  assertThrowsWith(
    () => new nn.Conv2d(1, 6, 5, { strides: 2 } as any),
    "Conv2d",
    "unknown option strides",
  );
  assertThrowsWith(
    () => new nn.MaxPool2d(2, { returnIndices: true }),
    "MaxPool2d",
    "returnIndices",
  );
});
