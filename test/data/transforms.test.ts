import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose } from "../helpers.js";

const T = nb.data.transforms;

/** A [C, H, W] float image with values 0, 1, 2, ... */
const ramp = (c: number, h: number, w: number) =>
  nb.arange(c * h * w, undefined, 1, { dtype: "float32" }).reshape([c, h, w]);

test("ToTensor: uint8-valued HW / HWC tensors and ImageData-like bytes become CHW float32 in [0, 1]", () => {
  const hw = nb.tensor(
    [
      [0, 255],
      [51, 102],
    ],
    { dtype: "int32" },
  );
  const a = new T.ToTensor().forward(hw);
  assert.equal(a.dtype, "float32");
  assertClose(a, [
    [
      [0, 1],
      [0.2, 0.4],
    ],
  ]);
  // HWC: pixel (0,0) = (10, 20, 30), pixel (0,1) = (40, 50, 60) -> channel planes.
  const hwc = nb.tensor(
    [
      [
        [10, 20, 30],
        [40, 50, 60],
      ],
    ],
    { dtype: "int32" },
  );
  assertClose(new T.ToTensor().forward(hwc), [
    [[10 / 255, 40 / 255]],
    [[20 / 255, 50 / 255]],
    [[30 / 255, 60 / 255]],
  ]);
  const rgba = {
    data: new Uint8ClampedArray([255, 0, 0, 255, 0, 128, 0, 255]),
    width: 2,
    height: 1,
  };
  const t = new T.ToTensor().forward(rgba);
  assert.deepEqual(t.shape, [4, 1, 2]);
  assertClose(t.select(1, 0).select(1, 1), [0, 128 / 255, 0, 1]);
  assert.throws(
    () => new T.ToTensor().forward({ data: new Uint8Array(5), width: 2, height: 2 }),
    /ToTensor: 5 bytes/,
  );
});

test("Normalize: (x - mean[c]) / std[c] per channel; one value applies to all", () => {
  const x = nb.tensor([[[0.5, 1]], [[0, 0.25]]]); // [2, 1, 2]
  assertClose(new T.Normalize([0.5, 0.25], [0.5, 0.25]).forward(x), [[[0, 1]], [[-1, 0]]]);
  assertClose(new T.Normalize(0.5, 2).forward(x), [[[0, 0.25]], [[-0.25, -0.125]]]);
  // A batch [N, C, H, W] is normalized per channel too.
  const batch = nb.stack([x, x]);
  assertClose(new T.Normalize([0.5, 0.25], [0.5, 0.25]).forward(batch).select(0, 1), [
    [[0, 1]],
    [[-1, 0]],
  ]);
  assert.throws(
    () => new T.Normalize([0, 0, 0], [1, 1, 1]).forward(x),
    /mean has 3 values but the image \[2, ?1, ?2\] has 2 channels/,
  );
  assert.throws(() => new T.Normalize(0, 0), /std evaluated to zero/);
});

test("Flips: p = 1 always flips, p = 0 never; values mirror", () => {
  const x = ramp(1, 2, 3); // [[0,1,2],[3,4,5]]
  assertClose(new T.RandomHorizontalFlip(1).forward(x), [
    [
      [2, 1, 0],
      [5, 4, 3],
    ],
  ]);
  assertClose(new T.RandomVerticalFlip(1).forward(x), [
    [
      [3, 4, 5],
      [0, 1, 2],
    ],
  ]);
  assertClose(new T.RandomHorizontalFlip(0).forward(x), x);
  // p = 0.5 flips about half the time, reproducibly from the generator.
  const flips = (seed: number) => {
    const g = new nb.Generator(seed);
    return Array.from({ length: 200 }, () =>
      new T.RandomHorizontalFlip().forward(x, g).select(2, 0).sum().item() === 3 ? 0 : 1,
    );
  };
  const count = flips(1).reduce((a: number, b) => a + b, 0);
  assert.ok(count > 70 && count < 130, `flipped ${count} of 200`);
  assert.deepEqual(flips(1), flips(1));
});

test("CenterCrop: torchvision's offsets (round half to even) and zero padding when larger", () => {
  const x = ramp(1, 4, 4);
  assertClose(new T.CenterCrop(2).forward(x), [
    [
      [5, 6],
      [9, 10],
    ],
  ]);
  // 5x5 -> 2x2: (5 - 2) / 2 = 1.5 rounds to 2.
  const y = ramp(1, 5, 5);
  assertClose(new T.CenterCrop(2).forward(y), [
    [
      [12, 13],
      [17, 18],
    ],
  ]);
  // 2x2 -> 4x4 pads one zero on each side.
  const z = nb.tensor([
    [
      [1, 2],
      [3, 4],
    ],
  ]);
  assertClose(new T.CenterCrop(4).forward(z), [
    [
      [0, 0, 0, 0],
      [0, 1, 2, 0],
      [0, 3, 4, 0],
      [0, 0, 0, 0],
    ],
  ]);
});

test("RandomCrop: padding modes, crop inside the padded image, and errors", () => {
  const x = nb.tensor([[[1, 2, 3]]]); // [1, 1, 3]
  // Cropping the whole padded image is deterministic: see the padding itself.
  assertClose(new T.RandomCrop([1, 7], { padding: [2, 0] }).forward(x), [[[0, 0, 1, 2, 3, 0, 0]]]);
  assertClose(new T.RandomCrop([1, 7], { padding: [2, 0], paddingMode: "reflect" }).forward(x), [
    [[3, 2, 1, 2, 3, 2, 1]],
  ]);
  assertClose(new T.RandomCrop([1, 7], { padding: [2, 0], paddingMode: "edge" }).forward(x), [
    [[1, 1, 1, 2, 3, 3, 3]],
  ]);
  assertClose(new T.RandomCrop([1, 7], { padding: [2, 0], paddingMode: "symmetric" }).forward(x), [
    [[2, 1, 1, 2, 3, 3, 2]],
  ]);
  assertClose(new T.RandomCrop([3, 3], { padding: 1, fill: 9 }).forward(nb.tensor([[[5]]])), [
    [
      [9, 9, 9],
      [9, 5, 9],
      [9, 9, 9],
    ],
  ]);
  // Random windows: every 2x2 crop of a 4x4 ramp (padding 1) is a contiguous window of the padded image.
  const img = ramp(1, 4, 4).add(1);
  const g = new nb.Generator(0);
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const c = new T.RandomCrop(2, { padding: 1 }).forward(img, g);
    assert.deepEqual(c.shape, [1, 2, 2]);
    seen.add(JSON.stringify(c.toArray()));
  }
  assert.ok(seen.size > 10, `only ${seen.size} distinct crops`);
  assert.throws(
    () => new T.RandomCrop(5).forward(img),
    /required crop size \[5, 5\] is larger than the \(padded\) input image size \[4, 4\]/,
  );
  assert.deepEqual(new T.RandomCrop(6, { padIfNeeded: true }).forward(img).shape, [1, 6, 6]);
});

test("Resize: bilinear with align_corners=False, checked against a hand computation", () => {
  // Upsampling [[0,1],[2,3]] to 4x4: source coordinates 0, 0.25, 0.75, 1 on each axis.
  const x = nb.tensor([
    [
      [0, 1],
      [2, 3],
    ],
  ]);
  assertClose(new T.Resize([4, 4]).forward(x), [
    [
      [0, 0.25, 0.75, 1],
      [0.5, 0.75, 1.25, 1.5],
      [1.5, 1.75, 2.25, 2.5],
      [2, 2.25, 2.75, 3],
    ],
  ]);
  // Downsampling 1x4 [0,1,2,3] to 1x2: centres at 0.5 and 2.5; 1x3 to 1x2: 0.25 and 1.75.
  assertClose(new T.Resize([1, 2]).forward(nb.tensor([[[0, 1, 2, 3]]])), [[[0.5, 2.5]]]);
  assertClose(new T.Resize([1, 2]).forward(nb.tensor([[[0, 1, 2]]])), [[[0.25, 1.75]]]);
  // A number matches the shorter side, keeping the aspect ratio (int(s * long / short)).
  assert.deepEqual(new T.Resize(2).forward(ramp(1, 4, 9)).shape, [1, 2, 4]);
  assert.deepEqual(new T.Resize(224).forward(ramp(1, 28, 28)).shape, [1, 224, 224]);
});

test("resizeBatch: a batch [N, C, H, W] at once equals resizing each image", () => {
  const g = new nb.Generator(2);
  const batch = nb.rand([3, 2, 5, 7], { generator: g });
  const out = T.resizeBatch(batch, [9, 4]);
  assert.deepEqual(out.shape, [3, 2, 9, 4]);
  for (let n = 0; n < 3; n++)
    assertClose(out.select(0, n), new T.Resize([9, 4]).forward(batch.select(0, n)));
  assert.throws(
    () => T.resizeBatch(nb.zeros([2, 2], { dtype: "int32" }), 4),
    /resize: expected a float image tensor, got int32/,
  );
});

test("RandomResizedCrop: shape, a full-image crop equals Resize, torchvision's parameter ranges", () => {
  const x = nb.rand([3, 8, 8], { generator: new nb.Generator(0) });
  const full = new T.RandomResizedCrop(5, { scale: [1, 1], ratio: [1, 1] });
  assertClose(full.forward(x), new T.Resize([5, 5]).forward(x));
  const rrc = new T.RandomResizedCrop([6, 4], { scale: [0.1, 1], ratio: [0.5, 2] });
  const g = new nb.Generator(1);
  for (let i = 0; i < 50; i++) {
    const [top, left, h, w] = rrc.getParams(28, 28, g);
    assert.ok(h >= 1 && w >= 1 && top >= 0 && left >= 0 && top + h <= 28 && left + w <= 28);
    assert.ok(h * w >= 0.1 * 784 * 0.8 && h * w <= 784, `area ${h * w}`);
  }
  assert.deepEqual(rrc.forward(x, g).shape, [3, 6, 4]);
});

test("ColorJitter: brightness and contrast factors as torchvision applies them (1 channel)", () => {
  const x = nb.tensor([
    [
      [0.1, 0.4],
      [0.6, 0.9],
    ],
  ]); // mean 0.5
  const jitter = new T.ColorJitter({ brightness: 0.5 });
  const { factors } = jitter.getParams(new nb.Generator(4));
  const b = factors[0]!;
  assert.ok(b >= 0.5 && b <= 1.5);
  assert.deepEqual(factors.slice(1), [null, null, null]);
  const expected = [0.1, 0.4, 0.6, 0.9].map((v) => Math.min(1, b * v));
  assertClose(jitter.forward(x, new nb.Generator(4)), expected);

  const contrast = new T.ColorJitter({ contrast: [0.25, 0.25] });
  // clamp(c * x + (1 - c) * mean(x)) with c = 0.25, mean = 0.5
  assertClose(
    contrast.forward(x),
    [0.4, 0.475, 0.525, 0.6].map((v) => v),
  );
  // Saturation and hue leave a 1-channel image unchanged.
  assertClose(new T.ColorJitter({ saturation: 0.9, hue: 0.4 }).forward(x), x);
});

test("ColorJitter: 3-channel contrast, saturation and hue", () => {
  // Two pixels: red (1,0,0) and black.
  const x = nb.tensor([[[1, 0]], [[0, 0]], [[0, 0]]]);
  // Grayscale mean = 0.2989 / 2; contrast 0 turns every value into it.
  const gray = 0.2989 / 2;
  assertClose(new T.ColorJitter({ contrast: [0, 0] }).forward(x), [
    [[gray, gray]],
    [[gray, gray]],
    [[gray, gray]],
  ]);
  // Saturation 0: each pixel becomes its luma in all channels.
  assertClose(new T.ColorJitter({ saturation: [0, 0] }).forward(x), [
    [[0.2989, 0]],
    [[0.2989, 0]],
    [[0.2989, 0]],
  ]);
  // A hue shift of 1/3 turns red into green.
  assertClose(
    new T.ColorJitter({ hue: [1 / 3, 1 / 3] }).forward(x),
    [[[0, 0]], [[1, 0]], [[0, 0]]],
    { atol: 1e-6 },
  );
  const y = nb.tensor([[[0.2]], [[0.5]], [[0.8]]]);
  // Shifting hue by 0.5 and back by -0.5 returns the colour; a full-range jitter keeps values in [0, 1].
  const there = new T.ColorJitter({ hue: [0.5, 0.5] }).forward(y);
  assertClose(new T.ColorJitter({ hue: [-0.5, -0.5] }).forward(there), y, { atol: 1e-6 });
  const j = new T.ColorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.5 });
  const out = j.forward(nb.rand([3, 4, 4]));
  assert.ok(out.min().item() >= 0 && out.max().item() <= 1);
  assert.throws(
    () => new T.ColorJitter({ hue: 0.6 }),
    /hue values should be between \[-0.5, 0.5\]/,
  );
  assert.throws(() => j.forward(nb.rand([2, 4, 4])), /expected 1 or 3 channels/);
});

test("Compose passes the generator along; toSpec / transformFromSpec rebuild the same pipeline", () => {
  const pipeline = new T.Compose([
    new T.ToTensor(),
    new T.RandomResizedCrop(6, { scale: [0.3, 1] }),
    new T.RandomHorizontalFlip(),
    new T.ColorJitter({ brightness: 0.3 }),
    new T.Normalize([0.5], [0.5]),
  ]);
  const img = nb.randint(0, 256, [10, 10], { generator: new nb.Generator(1) });
  const a = pipeline.forward(img, new nb.Generator(7));
  const b = pipeline.forward(img, new nb.Generator(7));
  assertClose(a, b, { atol: 0 });
  assert.deepEqual(a.shape, [1, 6, 6]);
  const spec = JSON.parse(JSON.stringify(pipeline.toSpec()));
  const rebuilt = T.transformFromSpec(spec);
  assertClose(rebuilt.forward(img, new nb.Generator(7)), a, { atol: 0 });
  assert.throws(() => T.transformFromSpec({ name: "Nope", args: [] }), /unknown transform "Nope"/);
});
