// ImageFolder: torchvision's class and file order, lazy decoding, transforms and batching, errors.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, test } from "node:test";
import * as nb from "nabla";
import { assertClose } from "../helpers.js";
import { encodeJpeg, encodePng, pngHeaderOnly, rgbImage, withAlpha } from "./image-files.js";

const { ImageFolder, DataLoader, transforms: T } = nb.data;

const base = mkdtempSync(join(tmpdir(), "nabla-imagefolder-"));
after(() => rmSync(base, { recursive: true, force: true }));

function write(root: string, path: string, bytes: Uint8Array | string): string {
  const full = join(root, path);
  mkdirSync(join(full, ".."), { recursive: true });
  writeFileSync(full, bytes);
  return full;
}

/** A w x h image whose pixels depend on `seed`. */
const picture = (w: number, h: number, seed: number) =>
  rgbImage(w, h, (x, y) => [
    (seed * 40 + 9 * x) % 256,
    (30 * y + seed) % 256,
    (x * y + 5 * seed) % 256,
  ]);
const png = (w: number, h: number, seed: number) =>
  encodePng(
    w,
    h,
    withAlpha(picture(w, h, seed), (i) => (i % 3 === 0 ? 0 : 255)),
  );

// Images of different sizes in five classes. Python sorts by code point: "Zebra" < "cat" < "dog" <
// "ｚ" (U+FF5A) < "😀" (U+1F600), where JavaScript's default sort puts the emoji (0xD83D...) first.
const root = join(base, "train");
const files: [string, Uint8Array | string][] = [
  ["Zebra/z1.png", png(6, 4, 1)],
  ["cat/b.png", png(5, 7, 2)],
  ["cat/a.PNG", png(9, 9, 3)],
  ["cat/notes.txt", "not an image"],
  ["cat/sub/c.png", png(4, 4, 4)],
  ["cat/sub x/d.png", png(8, 3, 5)],
  ["cat/sub/deeper/e.png", png(3, 5, 6)],
  ["dog/photo.jpg", encodeJpeg(12, 10, picture(12, 10, 7))],
  ["dog/photo2.JPEG", encodeJpeg(7, 6, picture(7, 6, 8))],
  ["\u{FF5A}/a.png", png(4, 6, 9)],
  ["\u{1F600}/a.png", png(6, 6, 10)],
];
for (const [path, bytes] of files) write(root, path, bytes);

test("ImageFolder: classes, classToIdx, samples and targets in torchvision's order", () => {
  const ds = new ImageFolder(root);
  assert.deepEqual(ds.classes, ["Zebra", "cat", "dog", "\u{FF5A}", "\u{1F600}"]);
  assert.deepEqual(ds.classToIdx, { Zebra: 0, cat: 1, dog: 2, "\u{FF5A}": 3, "\u{1F600}": 4 });
  // sorted(os.walk(...)): folders by full path ("sub x" before "sub/deeper"), files sorted in each.
  assert.deepEqual(
    ds.samples.map(([path, target]) => [relative(root, path), target]),
    [
      ["Zebra/z1.png", 0],
      ["cat/a.PNG", 1],
      ["cat/b.png", 1],
      ["cat/sub/c.png", 1],
      ["cat/sub x/d.png", 1],
      ["cat/sub/deeper/e.png", 1],
      ["dog/photo.jpg", 2],
      ["dog/photo2.JPEG", 2],
      ["\u{FF5A}/a.png", 3],
      ["\u{1F600}/a.png", 4],
    ],
  );
  assert.deepEqual(ds.targets, [0, 1, 1, 1, 1, 1, 2, 2, 3, 4]);
  assert.equal(ds.imgs, ds.samples);
  assert.equal(ds.length, 10);
  assert.deepEqual(ds.extensions, [".jpg", ".jpeg", ".png"]);
});

test("ImageFolder.get: PNG (alpha dropped) and JPEG (within a tolerance) as float32 [3, H, W] in [0, 1]", () => {
  const ds = new ImageFolder(root);
  const [img, label] = ds.get(2); // cat/b.png, 5 wide and 7 high
  assert.equal(label, 1);
  assert.equal(img.dtype, "float32");
  assert.deepEqual(img.shape, [3, 7, 5]);
  const rgb = picture(5, 7, 2);
  const planes = (bytes: Uint8Array, n: number) =>
    [0, 1, 2].flatMap((c) => Array.from({ length: n }, (_, i) => bytes[3 * i + c] / 255));
  assertClose(img.flatten(), planes(rgb, 35), { atol: 0 });

  const [photo, dog] = ds.get(6); // dog/photo.jpg, 12 x 10
  assert.equal(dog, 2);
  assert.deepEqual(photo.shape, [3, 10, 12]);
  const expected = planes(picture(12, 10, 7), 120);
  const got = photo.flatten().toArray() as number[];
  const worst = Math.max(...got.map((v, i) => Math.abs(v - expected[i])));
  assert.ok(worst <= 12 / 255, `JPEG pixels off by ${worst * 255} levels`);
  assert.throws(
    () => ds.get(10),
    /ImageFolder.get: index 10 is out of range for a dataset of length 10/,
  );
});

test("ImageFolder: the existing transforms work on its items (ToTensor, Normalize with ImageNet stats, flips, crops)", () => {
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const plain = new ImageFolder(root);
  const normalized = new ImageFolder(root, {
    transform: new T.Compose([new T.ToTensor(), new T.Normalize(mean, std)]),
  });
  const [x] = plain.get(0);
  const [y] = normalized.get(0);
  const values = x.toArray() as number[][][];
  const expected = values.map((plane, c) =>
    plane.map((row) => row.map((v) => (v - mean[c]) / std[c])),
  );
  assertClose(y, expected, { atol: 1e-6 });

  const flipped = new ImageFolder(root, { transform: new T.RandomHorizontalFlip(1) }).get(0)[0];
  assertClose(flipped, nb.flip(x, [2]), { atol: 0 });
  const crops = new ImageFolder(root, {
    transform: new T.Compose([new T.Resize(6), new T.CenterCrop(5)]),
  });
  assert.deepEqual(crops.get(6)[0].shape, [3, 5, 5]); // 12 x 10 -> 7 x 6 (short side 6) -> 5 x 5
});

test("ImageFolder + DataLoader: images of different sizes batch once resized; labels are int32", () => {
  const train = new ImageFolder(root, {
    transform: new T.Compose([
      new T.RandomResizedCrop(8, { scale: [0.3, 1] }),
      new T.RandomHorizontalFlip(),
      new T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ]),
  });
  nb.manualSeed(0);
  const loader = new DataLoader(train, {
    batchSize: 4,
    shuffle: true,
    generator: new nb.Generator(1),
  });
  const batches = [...loader];
  assert.deepEqual(
    batches.map(([X]) => X.shape),
    [
      [4, 3, 8, 8],
      [4, 3, 8, 8],
      [2, 3, 8, 8],
    ],
  );
  const labels = batches.flatMap(([, yb]) => {
    assert.equal(yb.dtype, "int32");
    return Array.from(yb.data());
  });
  assert.deepEqual(labels.sort(), [0, 1, 1, 1, 1, 1, 2, 2, 3, 4]);

  // Without a resize, two sizes cannot be stacked: the collation says so.
  assert.throws(
    () => [...new DataLoader(new ImageFolder(root), { batchSize: 2 })],
    /default collate: .*sample 1 has shape \[3, ?9, ?9\] but .*sample 0 has \[3, ?4, ?6\]; a batch needs equal shapes/,
  );
});

test("ImageFolder: extensions, isValidFile, targetTransform and loader options", () => {
  // "dog" has no PNG: an error, as in torchvision, unless empty classes are allowed.
  assert.throws(
    () => new ImageFolder(root, { extensions: [".png"] }),
    /found no valid file for the class dog in .*\. Supported extensions are: \.png$/,
  );
  const pngs = new ImageFolder(root, { extensions: [".PNG"], allowEmpty: true });
  assert.ok(pngs.samples.every(([p]) => p.toLowerCase().endsWith(".png")));
  assert.equal(pngs.length, 8);
  assert.equal(pngs.classes.length, 5);
  const jpegOnly = new ImageFolder(join(root), {
    isValidFile: (p) => p.endsWith(".jpg"),
    allowEmpty: true,
  });
  assert.deepEqual(jpegOnly.targets, [2]);
  assert.equal(jpegOnly.extensions, null);
  assert.throws(
    () => new ImageFolder(root, { extensions: [".png"], isValidFile: () => true }),
    /ImageFolder: give extensions or isValidFile, not both/,
  );
  const named = new ImageFolder(root, {
    targetTransform: (t) => ["zebra", "cat", "dog", "z", "smile"][t],
    loader: (path) => nb.tensor([path.length]),
  });
  const [size, name] = named.get(7);
  assert.equal(name, "dog");
  assert.equal(size.item(), join(root, "dog/photo2.JPEG").length);
});

test("ImageFolder: decoding is lazy; a corrupt or huge file fails on get, naming the file", () => {
  const messy = join(base, "messy");
  write(messy, "good/ok.png", png(3, 3, 1));
  const corrupt = write(messy, "good/corrupt.png", png(3, 3, 2).subarray(0, 45));
  const fake = write(messy, "good/fake.jpg", "<html>not a jpeg</html>");
  const huge = write(messy, "good/huge.png", pngHeaderOnly(50_000, 50_000));
  const ds = new ImageFolder(messy); // nothing decoded yet, so no error
  const index = (path: string) => ds.samples.findIndex(([p]) => p === path);
  assert.deepEqual(ds.get(index(join(messy, "good/ok.png")))[0].shape, [3, 3, 3]);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  assert.throws(
    () => ds.get(index(corrupt)),
    new RegExp(`^Error: ImageFolder: cannot decode "${escape(corrupt)}": `),
  );
  assert.throws(
    () => ds.get(index(fake)),
    new RegExp(`ImageFolder: cannot decode "${escape(fake)}": not a PNG or JPEG file`),
  );
  assert.throws(
    () => ds.get(index(huge)),
    new RegExp(
      `ImageFolder: cannot decode "${escape(huge)}": the image is 50000x50000 \\(2,500,000,000 pixels\\), more than maxPixels`,
    ),
  );
  const strict = new ImageFolder(messy, { maxPixels: 8 });
  assert.throws(
    () => strict.get(index(join(messy, "good/ok.png"))),
    /3x3 \(9 pixels\), more than maxPixels \(8\)/,
  );
});

test("ImageFolder: clear errors for a missing root, a root without class folders, and empty classes", () => {
  const missing = join(base, "nowhere");
  assert.throws(
    () => new ImageFolder(missing),
    new RegExp(`ImageFolder: cannot list the folder ".*nowhere": ENOENT`),
  );
  const flat = join(base, "flat");
  write(flat, "lonely.png", png(2, 2, 1));
  assert.throws(
    () => new ImageFolder(flat),
    /ImageFolder: couldn't find any class folder in ".*flat"/,
  );
  const partly = join(base, "partly");
  write(partly, "full/a.png", png(2, 2, 1));
  write(partly, "empty/readme.txt", "no images here");
  mkdirSync(join(partly, "void"));
  assert.throws(
    () => new ImageFolder(partly),
    /ImageFolder: found no valid file for the classes empty, void in ".*partly"\. Supported extensions are: \.jpg, \.jpeg, \.png/,
  );
  const allowed = new ImageFolder(partly, { allowEmpty: true });
  assert.deepEqual(allowed.classes, ["empty", "full", "void"]);
  assert.deepEqual(allowed.targets, [1]);
});
