// The convolutional layers: PyTorch's reprs, default init, state-dict keys and buffers,
// BatchNorm's train/eval behaviour, LazyConv2d, Dropout2d, Upsample and the F twins.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as nb from "nabla";
import { F, nn } from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

describe("reprs match PyTorch", () => {
  const cases: [nn.Module, string][] = [
    [
      new nn.Conv2d(1, 6, 5, { padding: 2 }),
      "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))",
    ],
    [
      new nn.Conv2d(96, 256, [3, 5], { stride: 2, bias: false }),
      "Conv2d(96, 256, kernel_size=(3, 5), stride=(2, 2), bias=False)",
    ],
    [
      new nn.Conv2d(4, 8, 3, { padding: "same", dilation: 2, groups: 2 }),
      "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, dilation=(2, 2), groups=2)",
    ],
    [new nn.Conv1d(16, 33, 3, { stride: 2 }), "Conv1d(16, 33, kernel_size=(3,), stride=(2,))"],
    [
      new nn.ConvTranspose2d(64, 32, 4, { stride: 2, padding: 1, outputPadding: 1 }),
      "ConvTranspose2d(64, 32, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))",
    ],
    [
      new nn.MaxPool2d(3, { stride: 2 }),
      "MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)",
    ],
    [
      new nn.MaxPool2d([2, 3], { padding: [0, 1] }),
      "MaxPool2d(kernel_size=(2, 3), stride=(2, 3), padding=(0, 1), dilation=1, ceil_mode=False)",
    ],
    [new nn.AvgPool2d(2, { stride: 2 }), "AvgPool2d(kernel_size=2, stride=2, padding=0)"],
    [new nn.AvgPool1d(3, { stride: 2 }), "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(0,))"],
    [
      new nn.MaxPool1d(2),
      "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
    ],
    [new nn.AdaptiveAvgPool2d([1, 1]), "AdaptiveAvgPool2d(output_size=(1, 1))"],
    [new nn.AdaptiveMaxPool2d(7), "AdaptiveMaxPool2d(output_size=7)"],
    [
      new nn.BatchNorm2d(6),
      "BatchNorm2d(6, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
    ],
    [
      new nn.BatchNorm1d(120, { momentum: null, affine: false }),
      "BatchNorm1d(120, eps=1e-05, momentum=None, affine=False, track_running_stats=True)",
    ],
    [new nn.LayerNorm(512), "LayerNorm((512,), eps=1e-05, elementwise_affine=True)"],
    [new nn.GroupNorm(2, 4), "GroupNorm(2, 4, eps=1e-05, affine=True)"],
    [new nn.Dropout2d(0.2), "Dropout2d(p=0.2, inplace=False)"],
    [
      new nn.Upsample({ scaleFactor: 2, mode: "bilinear" }),
      "Upsample(scale_factor=2.0, mode='bilinear')",
    ],
    [new nn.Upsample({ size: [4, 6] }), "Upsample(size=(4, 6), mode='nearest')"],
  ];
  for (const [m, text] of cases) test(text, () => assert.equal(String(m), text));
});

describe("conv layers", () => {
  test("weight layouts and PyTorch's default init: U(-1/sqrt(fanIn), 1/sqrt(fanIn))", () => {
    nb.manualSeed(0);
    const conv = new nn.Conv2d(6, 16, 5, { groups: 2 });
    assert.deepEqual(conv.weight.shape, [16, 3, 5, 5]);
    assert.deepEqual(conv.bias!.shape, [16]);
    const bound = 1 / Math.sqrt(3 * 25);
    for (const t of [conv.weight, conv.bias!]) {
      const v = t.data();
      assert.ok(v.every((x) => Math.abs(x) <= bound + 1e-7));
    }
    // The uniform's standard deviation is bound / sqrt(3).
    assert.ok(Math.abs(conv.weight.std().item() - bound / Math.sqrt(3)) < 0.1 * bound);
    const tr = new nn.ConvTranspose2d(4, 6, 3, { groups: 2 });
    assert.deepEqual(tr.weight.shape, [4, 3, 3, 3]);
    assert.deepEqual(Object.keys(tr.stateDict()), ["weight", "bias"]);
    assert.deepEqual(Object.keys(new nn.Conv1d(2, 3, 4, { bias: false }).stateDict()), ["weight"]);
  });

  test("forward calls the functional op with the layer's configuration", () => {
    const conv = new nn.Conv2d(2, 4, 3, { stride: 2, padding: 1, groups: 2 });
    const x = nb.randn([2, 2, 7, 7]);
    assertClose(
      conv.forward(x),
      F.conv2d(x, conv.weight, conv.bias, { stride: 2, padding: 1, groups: 2 }),
    );
    const c1 = new nn.Conv1d(3, 2, 3, { padding: "same" });
    assert.deepEqual(c1.forward(nb.randn([1, 3, 10])).shape, [1, 2, 10]);
    const up = new nn.ConvTranspose2d(3, 2, 4, { stride: 2, padding: 1 });
    assert.deepEqual(up.forward(nb.randn([1, 3, 5, 5])).shape, [1, 2, 10, 10]);
  });

  test("paddingMode pads the input as F.pad does, then convolves unpadded", () => {
    const conv = new nn.Conv2d(1, 2, 3, { padding: [1, 2], paddingMode: "reflect" });
    assert.equal(
      String(conv),
      "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 2), padding_mode=reflect)",
    );
    const x = nb.randn([2, 1, 5, 6]);
    const expected = F.conv2d(F.pad(x, [2, 2, 1, 1], "reflect"), conv.weight, conv.bias);
    assertClose(conv.forward(x), expected, { atol: 1e-6 });
    const same = new nn.Conv1d(1, 1, 4, { padding: "same", paddingMode: "circular", bias: false });
    const v = nb.randn([1, 1, 7]);
    assertClose(same.forward(v), F.conv1d(F.pad(v, [1, 2], "circular"), same.weight), {
      atol: 1e-6,
    });
    assertThrowsWith(() => new nn.ConvTranspose2d(1, 1, 2, { paddingMode: "reflect" }), "zeros");
  });

  test("LazyConv2d takes its input channels from the first forward and becomes a Conv2d", () => {
    const lazy = new nn.LazyConv2d(6, 5, { padding: 2 });
    assert.ok(lazy.hasUninitializedParams());
    const params = lazy.parameters();
    const out = lazy.forward(nb.randn([2, 3, 8, 8]));
    assert.deepEqual(out.shape, [2, 6, 8, 8]);
    assert.ok(lazy instanceof nn.Conv2d);
    assert.equal(lazy.constructor, nn.Conv2d);
    assert.deepEqual(lazy.weight.shape, [6, 3, 5, 5]);
    assert.equal(params[0], lazy.weight, "the parameter objects stay the same");
    assert.equal(String(lazy), "Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))");
    // A lazy layer can also take its shapes from a state dict.
    const fresh = new nn.LazyConv2d(6, 5, { padding: 2 });
    fresh.loadStateDict(lazy.stateDict());
    assertClose(fresh.forward(nb.ones([1, 3, 8, 8])), lazy.forward(nb.ones([1, 3, 8, 8])));
  });
});

describe("BatchNorm layers", () => {
  test("state-dict keys, buffers and their dtypes", () => {
    const bn = new nn.BatchNorm2d(3);
    const sd = bn.stateDict();
    assert.deepEqual(Object.keys(sd), [
      "weight",
      "bias",
      "running_mean",
      "running_var",
      "num_batches_tracked",
    ]);
    assert.equal(sd.num_batches_tracked.dtype, "int32");
    assert.deepEqual(sd.num_batches_tracked.shape, []);
    assertClose(sd.weight, [1, 1, 1]);
    assertClose(sd.running_var, [1, 1, 1]);
    assert.deepEqual(bn.parameters().length, 2);
    assert.deepEqual(Object.keys(new nn.BatchNorm1d(3, { trackRunningStats: false }).stateDict()), [
      "weight",
      "bias",
    ]);
    assert.deepEqual(Object.keys(new nn.BatchNorm1d(3, { affine: false }).stateDict()), [
      "running_mean",
      "running_var",
      "num_batches_tracked",
    ]);
  });

  test("training updates the running stats and the counter; eval uses them", () => {
    nb.manualSeed(4);
    const bn = new nn.BatchNorm2d(2);
    const xs = [nb.randn([4, 2, 3, 3]).add(1), nb.randn([4, 2, 3, 3]).mul(3)];
    let rm = [0, 0];
    let rv = [1, 1];
    for (const x of xs) {
      const y = bn.forward(x);
      assertClose(y.mean([0, 2, 3]), [0, 0], { atol: 1e-5 });
      const m = x.mean([0, 2, 3]).toArray() as number[];
      const v = nb.var(x.transpose(0, 1).reshape([2, -1]), { dim: 1 }).toArray() as number[];
      rm = rm.map((r, c) => 0.9 * r + 0.1 * m[c]);
      rv = rv.map((r, c) => 0.9 * r + 0.1 * v[c]);
    }
    assert.equal(bn.numBatchesTracked!.item(), 2);
    assertClose(bn.runningMean!, rm, { atol: 1e-5 });
    assertClose(bn.runningVar!, rv, { atol: 1e-5 });
    bn.eval();
    const x = nb.randn([1, 2, 2, 2]);
    const expected = x
      .sub(nb.tensor(rm).reshape([1, 2, 1, 1]))
      .div(nb.tensor(rv).add(1e-5).sqrt().reshape([1, 2, 1, 1]));
    assertClose(bn.forward(x), expected, { atol: 1e-5 });
    assert.equal(bn.numBatchesTracked!.item(), 2, "eval does not count batches");
  });

  test("momentum null gives the cumulative average; no running stats normalises with the batch in eval", () => {
    const bn = new nn.BatchNorm1d(1, { momentum: null, affine: false });
    bn.forward(nb.tensor([[0], [2]]));
    bn.forward(nb.tensor([[4], [8]]));
    assertClose(bn.runningMean!, [(1 + 6) / 2]);
    assertClose(bn.runningVar!, [(2 + 8) / 2]);
    const free = new nn.BatchNorm1d(2, { trackRunningStats: false }).eval();
    assertClose(
      free.forward(
        nb.tensor([
          [1, 5],
          [3, 9],
        ]),
      ),
      [
        [-1, -1],
        [1, 1],
      ],
      { atol: 1e-4 },
    );
  });

  test("input checks name the layer and the shape", () => {
    assertThrowsWith(
      () => new nn.BatchNorm2d(3).forward(nb.randn([2, 3, 4])),
      "BatchNorm2d",
      "expected 4D input",
      "[2,3,4]",
    );
    assertThrowsWith(
      () => new nn.BatchNorm1d(3).forward(nb.randn([2, 3, 4, 4])),
      "BatchNorm1d",
      "2D or 3D",
    );
  });
});

describe("other layers", () => {
  test("LayerNorm and GroupNorm: parameters and forward", () => {
    const ln = new nn.LayerNorm([2, 3]);
    assert.deepEqual(Object.keys(ln.stateDict()), ["weight", "bias"]);
    const x = nb.randn([4, 2, 3]);
    assertClose(ln.forward(x), F.layerNorm(x, [2, 3]), { atol: 1e-6 });
    const gn = new nn.GroupNorm(2, 4);
    assert.deepEqual(gn.weight!.shape, [4]);
    assert.deepEqual(gn.forward(nb.randn([2, 4, 3, 3])).shape, [2, 4, 3, 3]);
  });

  test("Dropout2d zeroes whole channels when training, and nothing in eval", () => {
    nb.manualSeed(9);
    const d = new nn.Dropout2d(0.5);
    const y = d.forward(nb.ones([8, 16, 3, 3]));
    const perChannel = y.reshape([128, 9]);
    const rows = perChannel.toArray() as number[][];
    for (const r of rows) assert.ok(r.every((v) => v === r[0]) && (r[0] === 0 || r[0] === 2));
    const kept = rows.filter((r) => r[0] === 2).length;
    assert.ok(kept > 40 && kept < 88, `kept ${kept} of 128`);
    d.eval();
    const x = nb.randn([2, 3, 2, 2]);
    assert.equal(d.forward(x), x);
  });

  test("pool layers and Upsample forward", () => {
    const x = nb.arange(0, 16).reshape([1, 1, 4, 4]).to("float32");
    assertClose(new nn.MaxPool2d(2).forward(x), [
      [
        [
          [5, 7],
          [13, 15],
        ],
      ],
    ]);
    assertClose(new nn.AvgPool2d(2).forward(x), [
      [
        [
          [2.5, 4.5],
          [10.5, 12.5],
        ],
      ],
    ]);
    assertClose(new nn.AdaptiveAvgPool2d([1, 1]).forward(x), [[[[7.5]]]]);
    assertClose(new nn.AdaptiveMaxPool2d(1).forward(x), [[[[15]]]]);
    assertClose(new nn.MaxPool1d(2).forward(nb.tensor([[[1, 4, 2, 3]]])), [[[4, 3]]]);
    assertClose(new nn.AvgPool1d(2).forward(nb.tensor([[[1, 4, 2, 3]]])), [[[2.5, 2.5]]]);
    assert.deepEqual(new nn.Upsample({ scaleFactor: 2 }).forward(x).shape, [1, 1, 8, 8]);
  });

  test("F twins: pad modes, unfold/fold, interpolate, dropout2d", () => {
    const x = nb.tensor([[[1, 2, 3]]]);
    assertClose(F.pad(x, [1, 1], "reflect"), [[[2, 1, 2, 3, 2]]]);
    assertClose(F.pad(x, [1, 0]), [[[0, 1, 2, 3]]]);
    assertClose(F.pad(x, [0, 2], "constant", -1), [[[1, 2, 3, -1, -1]]]);
    const img = nb.randn([1, 2, 4, 4]);
    assertClose(F.fold(F.unfold(img, 2, { stride: 2 }), 4, 2, { stride: 2 }), img);
    assert.deepEqual(F.interpolate(img, { size: 8 }).shape, [1, 2, 8, 8]);
    assert.equal(F.dropout2d(img, 0.5, false), img);
    assert.deepEqual(F.maxPool2d(img, 2).shape, [1, 2, 2, 2]);
    assert.deepEqual(F.batchNorm(img, null, null, null, null, true).shape, [1, 2, 4, 4]);
  });
});
