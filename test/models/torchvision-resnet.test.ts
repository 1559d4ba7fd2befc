// models.torchvision.resnet18: torchvision's module tree, state-dict keys and shapes (a fixture of
// torchvision's list), its initialisation, a forward pass checked against the same network composed
// by hand from the state dict's tensors, and fine-tuning through the helpers of finetune.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as nb from "nabla";
import { models, nn, optim } from "nabla";
import { assertClose } from "../helpers.js";

/**
 * `torchvision.models.resnet18().state_dict()`: every key, in order, with its shape (122 entries,
 * 11,699,132 values: 11,689,512 parameters plus the batch norms' running statistics and counters).
 * Written from torchvision's architecture (PyTorch is not available where these tests run); the
 * counts match torchvision's documented parameter count and published dumps of the state dict.
 */
const TORCHVISION_RESNET18: [string, number[]][] = [
  ["conv1.weight", [64, 3, 7, 7]],
  ["bn1.weight", [64]],
  ["bn1.bias", [64]],
  ["bn1.running_mean", [64]],
  ["bn1.running_var", [64]],
  ["bn1.num_batches_tracked", []],
  ["layer1.0.conv1.weight", [64, 64, 3, 3]],
  ["layer1.0.bn1.weight", [64]],
  ["layer1.0.bn1.bias", [64]],
  ["layer1.0.bn1.running_mean", [64]],
  ["layer1.0.bn1.running_var", [64]],
  ["layer1.0.bn1.num_batches_tracked", []],
  ["layer1.0.conv2.weight", [64, 64, 3, 3]],
  ["layer1.0.bn2.weight", [64]],
  ["layer1.0.bn2.bias", [64]],
  ["layer1.0.bn2.running_mean", [64]],
  ["layer1.0.bn2.running_var", [64]],
  ["layer1.0.bn2.num_batches_tracked", []],
  ["layer1.1.conv1.weight", [64, 64, 3, 3]],
  ["layer1.1.bn1.weight", [64]],
  ["layer1.1.bn1.bias", [64]],
  ["layer1.1.bn1.running_mean", [64]],
  ["layer1.1.bn1.running_var", [64]],
  ["layer1.1.bn1.num_batches_tracked", []],
  ["layer1.1.conv2.weight", [64, 64, 3, 3]],
  ["layer1.1.bn2.weight", [64]],
  ["layer1.1.bn2.bias", [64]],
  ["layer1.1.bn2.running_mean", [64]],
  ["layer1.1.bn2.running_var", [64]],
  ["layer1.1.bn2.num_batches_tracked", []],
  ["layer2.0.conv1.weight", [128, 64, 3, 3]],
  ["layer2.0.bn1.weight", [128]],
  ["layer2.0.bn1.bias", [128]],
  ["layer2.0.bn1.running_mean", [128]],
  ["layer2.0.bn1.running_var", [128]],
  ["layer2.0.bn1.num_batches_tracked", []],
  ["layer2.0.conv2.weight", [128, 128, 3, 3]],
  ["layer2.0.bn2.weight", [128]],
  ["layer2.0.bn2.bias", [128]],
  ["layer2.0.bn2.running_mean", [128]],
  ["layer2.0.bn2.running_var", [128]],
  ["layer2.0.bn2.num_batches_tracked", []],
  ["layer2.0.downsample.0.weight", [128, 64, 1, 1]],
  ["layer2.0.downsample.1.weight", [128]],
  ["layer2.0.downsample.1.bias", [128]],
  ["layer2.0.downsample.1.running_mean", [128]],
  ["layer2.0.downsample.1.running_var", [128]],
  ["layer2.0.downsample.1.num_batches_tracked", []],
  ["layer2.1.conv1.weight", [128, 128, 3, 3]],
  ["layer2.1.bn1.weight", [128]],
  ["layer2.1.bn1.bias", [128]],
  ["layer2.1.bn1.running_mean", [128]],
  ["layer2.1.bn1.running_var", [128]],
  ["layer2.1.bn1.num_batches_tracked", []],
  ["layer2.1.conv2.weight", [128, 128, 3, 3]],
  ["layer2.1.bn2.weight", [128]],
  ["layer2.1.bn2.bias", [128]],
  ["layer2.1.bn2.running_mean", [128]],
  ["layer2.1.bn2.running_var", [128]],
  ["layer2.1.bn2.num_batches_tracked", []],
  ["layer3.0.conv1.weight", [256, 128, 3, 3]],
  ["layer3.0.bn1.weight", [256]],
  ["layer3.0.bn1.bias", [256]],
  ["layer3.0.bn1.running_mean", [256]],
  ["layer3.0.bn1.running_var", [256]],
  ["layer3.0.bn1.num_batches_tracked", []],
  ["layer3.0.conv2.weight", [256, 256, 3, 3]],
  ["layer3.0.bn2.weight", [256]],
  ["layer3.0.bn2.bias", [256]],
  ["layer3.0.bn2.running_mean", [256]],
  ["layer3.0.bn2.running_var", [256]],
  ["layer3.0.bn2.num_batches_tracked", []],
  ["layer3.0.downsample.0.weight", [256, 128, 1, 1]],
  ["layer3.0.downsample.1.weight", [256]],
  ["layer3.0.downsample.1.bias", [256]],
  ["layer3.0.downsample.1.running_mean", [256]],
  ["layer3.0.downsample.1.running_var", [256]],
  ["layer3.0.downsample.1.num_batches_tracked", []],
  ["layer3.1.conv1.weight", [256, 256, 3, 3]],
  ["layer3.1.bn1.weight", [256]],
  ["layer3.1.bn1.bias", [256]],
  ["layer3.1.bn1.running_mean", [256]],
  ["layer3.1.bn1.running_var", [256]],
  ["layer3.1.bn1.num_batches_tracked", []],
  ["layer3.1.conv2.weight", [256, 256, 3, 3]],
  ["layer3.1.bn2.weight", [256]],
  ["layer3.1.bn2.bias", [256]],
  ["layer3.1.bn2.running_mean", [256]],
  ["layer3.1.bn2.running_var", [256]],
  ["layer3.1.bn2.num_batches_tracked", []],
  ["layer4.0.conv1.weight", [512, 256, 3, 3]],
  ["layer4.0.bn1.weight", [512]],
  ["layer4.0.bn1.bias", [512]],
  ["layer4.0.bn1.running_mean", [512]],
  ["layer4.0.bn1.running_var", [512]],
  ["layer4.0.bn1.num_batches_tracked", []],
  ["layer4.0.conv2.weight", [512, 512, 3, 3]],
  ["layer4.0.bn2.weight", [512]],
  ["layer4.0.bn2.bias", [512]],
  ["layer4.0.bn2.running_mean", [512]],
  ["layer4.0.bn2.running_var", [512]],
  ["layer4.0.bn2.num_batches_tracked", []],
  ["layer4.0.downsample.0.weight", [512, 256, 1, 1]],
  ["layer4.0.downsample.1.weight", [512]],
  ["layer4.0.downsample.1.bias", [512]],
  ["layer4.0.downsample.1.running_mean", [512]],
  ["layer4.0.downsample.1.running_var", [512]],
  ["layer4.0.downsample.1.num_batches_tracked", []],
  ["layer4.1.conv1.weight", [512, 512, 3, 3]],
  ["layer4.1.bn1.weight", [512]],
  ["layer4.1.bn1.bias", [512]],
  ["layer4.1.bn1.running_mean", [512]],
  ["layer4.1.bn1.running_var", [512]],
  ["layer4.1.bn1.num_batches_tracked", []],
  ["layer4.1.conv2.weight", [512, 512, 3, 3]],
  ["layer4.1.bn2.weight", [512]],
  ["layer4.1.bn2.bias", [512]],
  ["layer4.1.bn2.running_mean", [512]],
  ["layer4.1.bn2.running_var", [512]],
  ["layer4.1.bn2.num_batches_tracked", []],
  ["fc.weight", [1000, 512]],
  ["fc.bias", [1000]],
];

/** torchvision's `named_modules()` names of a BasicBlock stage. */
function stageModules(layer: number, withDownsample: boolean): string[] {
  const block = (b: number) =>
    ["", ".conv1", ".bn1", ".relu", ".conv2", ".bn2"].map((s) => `layer${layer}.${b}${s}`);
  const downsample = withDownsample
    ? [`layer${layer}.0.downsample`, `layer${layer}.0.downsample.0`, `layer${layer}.0.downsample.1`]
    : [];
  return [`layer${layer}`, ...block(0), ...downsample, ...block(1)];
}

/** The standard deviation and the share of values beyond 2 of them. */
function spread(t: nb.Tensor): { std: number; tails: number } {
  const v = Array.from(t.data());
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  const tails = v.filter((x) => Math.abs(x - mean) > 2 * std).length / v.length;
  return { std, tails };
}

/** The network computed straight from a state dict's tensors, torchvision's forward written out. */
function composedForward(sd: Record<string, nb.Tensor>, x: nb.Tensor): nb.Tensor {
  const channel = (t: nb.Tensor) => t.reshape([1, t.shape[0], 1, 1]);
  // Eval-mode batch norm: (y - running_mean) / sqrt(running_var + eps) * weight + bias.
  const bn = (y: nb.Tensor, p: string) =>
    y
      .sub(channel(sd[`${p}.running_mean`]))
      .div(channel(sd[`${p}.running_var`]).add(1e-5).sqrt())
      .mul(channel(sd[`${p}.weight`]))
      .add(channel(sd[`${p}.bias`]));
  const conv = (y: nb.Tensor, key: string, stride: number, padding: number) =>
    nb.F.conv2d(y, sd[key], null, { stride, padding });
  let y = nb.F.relu(bn(conv(x, "conv1.weight", 2, 3), "bn1"));
  y = nb.F.maxPool2d(y, 3, { stride: 2, padding: 1 });
  for (const [layer, stride] of [
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 2],
  ]) {
    for (const b of [0, 1]) {
      const p = `layer${layer}.${b}`;
      const s = b === 0 ? stride : 1;
      const inner = nb.F.relu(bn(conv(y, `${p}.conv1.weight`, s, 1), `${p}.bn1`));
      const out = bn(conv(inner, `${p}.conv2.weight`, 1, 1), `${p}.bn2`);
      const shortcut =
        `${p}.downsample.0.weight` in sd
          ? bn(conv(y, `${p}.downsample.0.weight`, s, 0), `${p}.downsample.1`)
          : y;
      y = nb.F.relu(out.add(shortcut));
    }
  }
  const pooled = y.mean([2, 3]);
  return pooled.matmul(sd["fc.weight"].t()).add(sd["fc.bias"]);
}

/** A state dict of `net`'s keys and shapes with varied values (batch-norm statistics included). */
function randomStateDict(net: nn.Module, dtype: "float32" | "float64"): Record<string, nb.Tensor> {
  const sd: Record<string, nb.Tensor> = {};
  for (const [key, t] of Object.entries(net.stateDict())) {
    const shape = t.shape;
    const opts = { dtype };
    if (key.endsWith("num_batches_tracked")) sd[key] = nb.tensor(7, { dtype: "int32" });
    else if (key.endsWith("running_var")) sd[key] = nb.rand(shape, opts).add(0.5);
    else if (key.endsWith("running_mean")) sd[key] = nb.randn(shape, opts).mul(0.1);
    else if (shape.length === 4) {
      const fanIn = shape[1] * shape[2] * shape[3];
      sd[key] = nb.randn(shape, opts).mul(Math.sqrt(2 / fanIn));
    } else if (key.startsWith("fc.")) sd[key] = nb.randn(shape, opts).mul(0.05);
    else if (key.endsWith(".weight")) sd[key] = nb.rand(shape, opts).add(0.5);
    else sd[key] = nb.randn(shape, opts).mul(0.1);
  }
  return sd;
}

describe("models.torchvision.resnet18", () => {
  test("state-dict keys and shapes equal torchvision's resnet18, in order", () => {
    const net = models.torchvision.resnet18();
    const sd = net.stateDict();
    assert.equal(TORCHVISION_RESNET18.length, 122);
    assert.deepEqual(
      Object.entries(sd).map(([key, t]) => [key, t.shape]),
      TORCHVISION_RESNET18,
    );
    const values = Object.values(sd).reduce((n, t) => n + t.numel(), 0);
    assert.equal(values, 11_699_132);
    assert.equal(net.numParameters(), 11_689_512, "torchvision's documented parameter count");
    assert.equal(sd["layer1.0.bn1.num_batches_tracked"].dtype, "int32");
  });

  test("the module tree: torchvision's names, no conv bias, adaptive 1x1 pooling; numClasses and inChannels", () => {
    const net = models.torchvision.resnet18({ numClasses: 2 });
    assert.deepEqual(
      net.namedModules().map(([name]) => name),
      [
        "",
        "conv1",
        "bn1",
        "relu",
        "maxpool",
        ...stageModules(1, false),
        ...stageModules(2, true),
        ...stageModules(3, true),
        ...stageModules(4, true),
        "avgpool",
        "fc",
      ],
    );
    const lines = String(net).split("\n");
    assert.equal(lines[0], "ResNet(");
    assert.equal(
      lines[1],
      "  (conv1): Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)",
    );
    assert.ok(
      lines.includes("  (avgpool): AdaptiveAvgPool2d(output_size=(1, 1))"),
      lines.join("\n"),
    );
    assert.ok(lines.includes("  (fc): Linear(in_features=512, out_features=2, bias=True)"));
    assert.ok(
      lines.includes("        (0): Conv2d(64, 128, kernel_size=(1, 1), stride=(2, 2), bias=False)"),
    );
    // Any input size: the adaptive pool makes 512 features.
    const out = nb.noGrad(() => net.eval().forward(nb.randn([1, 3, 37, 45])));
    assert.deepEqual(out.shape, [1, 2]);
    const grey = models.torchvision.resnet18({ numClasses: 10, inChannels: 1 });
    assert.deepEqual(grey.conv1.weight.shape, [64, 1, 7, 7]);
    assert.throws(
      () => models.torchvision.resnet18({ numClasses: 0 }),
      /ResNet: numClasses must be a positive integer, got 0/,
    );
  });

  test("torchvision's initialisation: He-normal fan-out convolutions, batch norms 1 and 0, Linear's default", () => {
    nb.manualSeed(0);
    const net = models.torchvision.resnet18();
    // layer2.0.conv1 is 128 x 64 x 3 x 3: fan-out 1152 (std 0.0417), where fan-in would give 0.0589.
    for (const [conv, fanOut] of [
      [net.conv1, 64 * 49],
      [net.layer2.at(0).conv1, 128 * 9],
      [net.layer4.at(1).conv2, 512 * 9],
    ] as const) {
      const { std, tails } = spread(conv.weight);
      const expected = Math.sqrt(2 / fanOut);
      assert.ok(Math.abs(std / expected - 1) < 0.05, `std ${std} vs ${expected}`);
      // A normal puts 4.6% beyond 2 std; a uniform of the same std puts none.
      assert.ok(tails > 0.035 && tails < 0.06, `share beyond 2 std: ${tails}`);
    }
    for (const m of net.modules()) {
      if (!(m instanceof nn.BatchNorm2d)) continue;
      assert.ok(m.weight!.data().every((v) => v === 1));
      assert.ok(m.bias!.data().every((v) => v === 0));
    }
    const bound = 1 / Math.sqrt(512);
    const fc = net.fc.weight.data();
    assert.ok(fc.every((v) => Math.abs(v) <= bound));
    assert.ok(Math.abs(spread(net.fc.weight).std / (bound / Math.sqrt(3)) - 1) < 0.02);
    const zeroed = models.torchvision.resnet18({ zeroInitResidual: true });
    assert.ok(
      zeroed.layer3
        .at(1)
        .bn2.weight!.data()
        .every((v) => v === 0),
    );
    assert.ok(
      zeroed.layer3
        .at(1)
        .bn1.weight!.data()
        .every((v) => v === 1),
    );
  });

  test("forward equals the network composed by hand from a loaded state dict (float64, eval mode)", () => {
    nb.manualSeed(3);
    const net = models.torchvision.resnet18({ numClasses: 5 }).double();
    const sd = randomStateDict(net, "float64");
    const result = net.loadStateDict(sd);
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
    net.eval();
    const x = nb.randn([2, 3, 40, 40], { dtype: "float64" });
    const out = nb.noGrad(() => net.forward(x));
    const expected = nb.noGrad(() => composedForward(sd, x));
    assert.deepEqual(out.shape, [2, 5]);
    assert.ok(expected.abs().max().item() > 0.1, "a non-trivial output");
    assertClose(out, expected, { atol: 1e-10, rtol: 1e-10 });
  });

  test("a state dict with torchvision's keys loads unchanged; a missing or mis-shaped key is reported", () => {
    const source = models.torchvision.resnet18();
    const sd = randomStateDict(source, "float32");
    const net = models.torchvision.resnet18();
    net.loadStateDict(sd);
    assertClose(
      net.layer3.at(0).downsample!.stateDict()["1.running_var"],
      sd["layer3.0.downsample.1.running_var"],
      {
        atol: 0,
      },
    );
    const { ["layer4.1.bn2.bias"]: _, ...missing } = sd;
    assert.throws(() => net.loadStateDict(missing), /layer4\.1\.bn2\.bias/);
    assert.throws(
      () => net.loadStateDict({ ...sd, "fc.weight": nb.zeros([10, 512]) }),
      /fc\.weight/,
    );
  });

  test("fine-tuning: replace fc, freeze the body or give the head 10x the learning rate", () => {
    nb.manualSeed(4);
    const net = models.torchvision.resnet18();
    const old = models.replaceModule(net, "fc", new nn.Linear(512, 2));
    assert.ok(old instanceof nn.Linear && old.outFeatures === 1000);
    nn.init.xavierUniform_(net.fc.weight);
    const groups = models.fineTuneParamGroups(net, "fc", 5e-5);
    assert.equal(groups[0].params.length, 60);
    assert.deepEqual(groups[1].params, [net.fc.weight, net.fc.bias]);
    assert.equal(groups[1].lr, 5e-4);

    // A frozen body: one step moves only the new head, and batch statistics stay in eval mode.
    models.freeze(net);
    models.unfreeze(net.fc);
    const body = net.namedParameters().filter(([name]) => !name.startsWith("fc."));
    const before = body.map(([, p]) => p.data().slice());
    const head = net.fc.weight.data().slice();
    const opt = new optim.SGD(
      net.parameters().filter((p) => p.requiresGrad),
      { lr: 0.1 },
    );
    const x = nb.randn([2, 3, 32, 32]);
    const y = nb.tensor([0, 1], { dtype: "int32" });
    nb.F.crossEntropy(net.forward(x), y).backward();
    opt.step();
    body.forEach(([name, p], i) => {
      assert.equal(p.grad, null, name);
      assert.deepEqual(p.data(), before[i], name);
    });
    assert.ok(net.fc.weight.data().some((v, i) => v !== head[i]));
    assert.deepEqual(nb.noGrad(() => net.eval().forward(x)).shape, [2, 2]);
  });

  test("the registry builds it for the CLI, with torchvision's init kept", () => {
    const entry = models.get("torchvision-resnet18");
    assert.equal(entry.section, "13.2");
    assert.equal(entry.defaults.init, undefined);
    assert.deepEqual(
      [entry.defaults.lr, entry.defaults.batchSize, entry.defaults.resize],
      [0.05, 256, 96],
    );
    const net = entry.build({ numClasses: 10, inChannels: 1 }) as models.torchvision.ResNet;
    assert.ok(net instanceof models.torchvision.ResNet);
    assert.deepEqual(net.conv1.weight.shape, [64, 1, 7, 7]);
    assert.deepEqual(
      Object.keys(net.stateDict()),
      TORCHVISION_RESNET18.map(([key]) => key),
    );
  });
});
