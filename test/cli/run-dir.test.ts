// A run directory is never wrong: `nabla train` refuses unusable output directories before it
// trains, cleans what a killed run left, makes a resumed directory consistent with its
// checkpoint, and never reports a write that did not happen; checkpoints and images from files
// are checked before use. Every command goes through the real parser (test/cli/nabla.ts).
import assert from "node:assert/strict";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { deflateSync } from "node:zlib";
import { CHECKPOINT_METADATA_KEY, readCheckpoint } from "../../src/io/checkpoint.js";
import { parseSafetensors, serializeSafetensors } from "../../src/io/safetensors.js";
import { loadStateDict } from "../../src/io/state-dict.js";
import { nabla, nablaChild } from "./nabla.js";
import { chunk } from "../data/image-files.js";

const tmp = mkdtempSync(join(tmpdir(), "nabla-run-dir-"));
after(() => {
  chmodSync(tmp, 0o755);
  rmSync(tmp, { recursive: true, force: true });
});

const QUICK = ["--limit", "300", "--batch-size", "100", "--no-progress"];
const bytes = (path: string) => new Uint8Array(readFileSync(path));
const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));

// One 2-epoch run that the tests copy (never change).
const base = join(tmp, "base");
before(async () => {
  const run = await nabla("train", "softmax", "--epochs", "2", ...QUICK, "--out", base);
  assert.equal(run.code, 0, run.stderr);
});

/** A copy of the base run, to break in some way. */
function copyOfBase(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const f of readdirSync(base)) copyFileSync(join(base, f), join(dir, f));
  return dir;
}

test("--resume after a kill during the epoch-end writes rewrites the files behind the checkpoint, and says only what it wrote", async () => {
  // The checkpoint holds epoch 2; model.safetensors, metrics and curves are still epoch 1's
  // (what a kill after the checkpoint's rename leaves).
  const dir = copyOfBase("killed-after-checkpoint");
  const ckpt = join(dir, "checkpoint.safetensors");
  const stale = json(join(dir, "metrics.json")).slice(0, 1);
  writeFileSync(join(dir, "metrics.json"), JSON.stringify(stale));
  writeFileSync(join(dir, "metrics.csv"), "epoch\n1\n");
  writeFileSync(join(dir, "model.safetensors"), serializeSafetensors({}));
  writeFileSync(join(dir, "curves.svg"), "<svg/>");
  const checkpointBefore = bytes(ckpt);

  const run = await nabla("train", "softmax", "--resume", ckpt, "--no-progress");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /nothing to do: the checkpoint has 2 epochs \(--epochs 2\)/);
  assert.doesNotMatch(run.stdout, /wrote checkpoint\.safetensors/);
  assert.match(
    run.stdout,
    /^wrote model\.safetensors, metrics\.csv, metrics\.json, curves\.svg, curves\.png from the checkpoint \(epoch 2\) in .*killed-after-checkpoint$/m,
  );
  // Everything now agrees with the checkpoint, which is untouched.
  assert.deepEqual(bytes(ckpt), checkpointBefore);
  const data = readCheckpoint(ckpt);
  const model = loadStateDict(join(dir, "model.safetensors"));
  assert.deepEqual(Object.keys(model).sort(), Object.keys(data.model).sort());
  for (const key of Object.keys(data.model))
    assert.deepEqual(model[key]!.data(), data.model[key]!.data(), key);
  assert.deepEqual(bytes(join(dir, "model.safetensors")), bytes(join(base, "model.safetensors")));
  assert.deepEqual(json(join(dir, "metrics.json")), (data.extra as { history: unknown }).history);
  assert.equal(
    readFileSync(join(dir, "metrics.csv"), "utf8"),
    readFileSync(join(base, "metrics.csv"), "utf8"),
  );
  assert.match(readFileSync(join(dir, "curves.svg"), "utf8"), /^<svg[^>]*width=/);
});

test("--resume into another --out with nothing to do: that directory gets the whole run, checkpoint included", async () => {
  const out = join(tmp, "fork");
  const run = await nabla(
    "train",
    "softmax",
    "--resume",
    join(base, "checkpoint.safetensors"),
    "--out",
    out,
    "--no-progress",
    "--no-plot",
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /^wrote checkpoint\.safetensors, model\.safetensors, metrics\.csv, metrics\.json from the checkpoint \(epoch 2\) in .*fork$/m,
  );
  assert.deepEqual(readdirSync(out).sort(), [
    "checkpoint.safetensors",
    "metrics.csv",
    "metrics.json",
    "model.safetensors",
  ]);
  assert.deepEqual(
    bytes(join(out, "checkpoint.safetensors")),
    bytes(join(base, "checkpoint.safetensors")),
  );
  assert.deepEqual(bytes(join(out, "model.safetensors")), bytes(join(base, "model.safetensors")));
});

test("temporary files that a killed run left are removed when the next run starts; other files stay", async () => {
  const dir = copyOfBase("stale-temporaries");
  const full = bytes(join(dir, "checkpoint.safetensors"));
  const stale = [
    "checkpoint.safetensors.tmp-999999-0123456789ab",
    "model.safetensors.tmp-12-abcdefabcdef",
    "curves.png.tmp-7-000000000000",
  ];
  const kept = ["notes.txt.tmp-999999-0123456789ab", "checkpoint.safetensors.tmp-mine", "keep.me"];
  for (const f of [...stale, ...kept]) writeFileSync(join(dir, f), full);
  const run = await nabla(
    "train",
    "softmax",
    "--resume",
    join(dir, "checkpoint.safetensors"),
    "--no-progress",
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    new RegExp(
      `^removed temporary files left by an interrupted run: ${[...stale].sort().join(", ").replace(/\./g, "\\.")}$`,
      "m",
    ),
  );
  const files = readdirSync(dir);
  for (const f of stale) assert.ok(!files.includes(f), `${f} removed`);
  for (const f of kept) assert.ok(files.includes(f), `${f} kept`);
});

test("an existing --out that cannot be written is refused before any training", async (t) => {
  // Permission bits do not stop root: it gets a directory no one can write into instead.
  let readOnly = join(tmp, "read-only");
  if (process.getuid?.() === 0) {
    if (!existsSync("/sys/kernel")) return t.skip("needs /sys/kernel when running as root");
    readOnly = "/sys/kernel";
  } else {
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
  }
  const run = await nabla("train", "softmax", "--epochs", "1", ...QUICK, "--out", readOnly);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    new RegExp(`^nabla: --out: directory ${readOnly} is not writable \\(E[A-Z]+: `),
  );
  assert.doesNotMatch(run.stdout, /training softmax/);
});

test("--out under a path that cannot hold a directory is an error at once (no endless mkdir at 100% CPU)", async (t) => {
  const file = join(tmp, "a-file");
  writeFileSync(file, "x");
  const run = await nabla(
    "train",
    "softmax",
    "--epochs",
    "1",
    ...QUICK,
    "--out",
    join(file, "run"),
  );
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /--out: cannot create directory .*a-file\/run: ENOTDIR: not a directory/,
  );
  // /proc refuses new entries with ENOENT, on which Node's recursive mkdir loops forever: a
  // child process, killed if it hangs.
  if (!existsSync("/proc/self")) return t.skip("no /proc here");
  const proc = await nablaChild(
    ["train", "softmax", "--epochs", "1", ...QUICK, "--out", "/proc/x"],
    30_000,
  );
  assert.equal(proc.signal, null, "the command hung and was killed");
  assert.equal(proc.code, 1);
  assert.match(proc.stderr, /^nabla: --out: cannot create directory \/proc\/x: ENOENT/m);
  assert.doesNotMatch(proc.stdout, /training softmax/);
});

/** Rewrite a checkpoint's metadata (and add tensors) as a corrupted or hostile file would. */
function editCheckpoint(
  name: string,
  edit: (meta: Record<string, any>) => void,
  extraTensors: Record<string, { dtype: "F32"; shape: number[]; data: Float32Array }> = {},
): string {
  const file = parseSafetensors(bytes(join(base, "checkpoint.safetensors")));
  const meta = JSON.parse(file.metadata![CHECKPOINT_METADATA_KEY]!);
  edit(meta);
  const path = join(tmp, name);
  writeFileSync(
    path,
    serializeSafetensors(
      { ...file.tensors, ...extraTensors },
      { ...file.metadata, [CHECKPOINT_METADATA_KEY]: JSON.stringify(meta) },
    ),
  );
  return path;
}

test("a checkpoint's bad metadata is one error naming each bad field, for train --resume, eval and predict", async () => {
  const bad = editCheckpoint("bad-meta.safetensors", (meta) => {
    meta.epoch = -3;
    meta.extra.run.limit = -5;
    meta.extra.run.optimizer = "lbfgs";
    meta.extra.run.lr = { $number: "NaN" };
  });
  const expected = [
    /epoch must be an integer >= 0, got -3/,
    /run\.lr must be a positive number, got NaN/,
    /run\.optimizer must be "sgd" or "adam", got "lbfgs"/,
    /run\.limit must be a positive integer \(or absent\), got -5/,
  ];
  const image = join(tmp, "image.png");
  writeFileSync(image, blackPng(28, 28));
  for (const argv of [
    ["train", "softmax", "--resume", bad, "--no-progress"],
    ["eval", bad],
    ["predict", bad, image],
  ]) {
    const run = await nabla(...argv);
    assert.equal(run.code, 1, argv.join(" "));
    assert.match(
      run.stderr,
      /^nabla: loadCheckpoint: .*bad-meta\.safetensors: invalid checkpoint: /,
    );
    for (const part of expected) assert.match(run.stderr, part, argv.join(" "));
    assert.equal(run.stderr.trim().split("\n").length, 1, "one error");
    assert.doesNotMatch(run.stderr, /TypeError|Cannot read properties/);
  }
  const quoted = editCheckpoint("epoch-string.safetensors", (meta) => (meta.epoch = "1"));
  const run = await nabla("eval", quoted);
  assert.match(run.stderr, /invalid checkpoint: epoch must be an integer >= 0, got "1"$/m);
  const nullMeta = join(tmp, "null-meta.safetensors");
  const file = parseSafetensors(bytes(join(base, "checkpoint.safetensors")));
  writeFileSync(
    nullMeta,
    serializeSafetensors(file.tensors, { ...file.metadata, [CHECKPOINT_METADATA_KEY]: "null" }),
  );
  const nul = await nabla("train", "softmax", "--resume", nullMeta);
  assert.match(nul.stderr, /"nabla\.checkpoint" must be a JSON object, got null/);
  assert.doesNotMatch(nul.stderr, /Cannot read properties/);
});

test("a checkpoint's bad optimizer state is one error naming each bad field", async () => {
  const bad = editCheckpoint(
    "bad-optimizer.safetensors",
    (meta) => {
      meta.optimizer.paramGroups[0].lr = -0.1;
      meta.optimizer.state["0"] = { momentumBuffer: { $tensor: "__optimizer__.scalar" } };
    },
    { "__optimizer__.scalar": { dtype: "F32", shape: [], data: new Float32Array([0.5]) } },
  );
  const run = await nabla("train", "softmax", "--resume", bad, "--epochs", "3", "--no-progress");
  assert.equal(run.code, 1);
  assert.match(run.stderr, /optimizer state: SGD\.loadStateDict: /);
  assert.match(run.stderr, /paramGroups\[0\]\.lr must be a number >= 0, got -0\.1/);
  assert.match(
    run.stderr,
    /state\["0"\]\.momentumBuffer has shape \[\] but parameter 0 has shape \[10, ?784\]/,
  );
  assert.doesNotMatch(run.stdout, /loss \d/);
});

/** A valid grayscale PNG of width x height, 1 bit per pixel, all black (small once compressed). */
function blackPng(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, grayscale, deflate, no filter, no interlace
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height); // filter byte 0, black pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

test("predict refuses a 20000x20000 PNG from its header, before decoding 1.6 GB of pixels", async () => {
  const ckpt = join(base, "checkpoint.safetensors");
  const small = join(tmp, "small.png");
  writeFileSync(small, blackPng(56, 56));
  const ok = await nabla("predict", ckpt, small, "--top", "2");
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /small\.png \(56x56 -> 28x28\), softmax:\n {2}1\. /);
  const huge = join(tmp, "huge.png");
  writeFileSync(huge, blackPng(20000, 20000));
  const run = await nabla("predict", ckpt, huge);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /^nabla: predict: .*huge\.png: the image is 20000x20000 \(400,000,000 pixels\), more than the 50,000,000 that predict decodes; scale it down first$/m,
  );
});
