// The `nabla` CLI end to end on small subsets: outputs of `train`, exact resume, a SIGKILL in the
// middle of an epoch, a diverging run, bad checkpoints, `eval`, `predict`, `models`, `summary`.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { PNG } from "pngjs";
import { buildProgram } from "../../src/cli/main.js";
import { readCheckpoint, saveCheckpoint } from "../../src/io/checkpoint.js";
import { loadFashionMnist } from "../../src/data/embedded.js";
import * as nb from "../../src/index.js";
import { nabla } from "./nabla.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "nabla-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** `nabla ...` in a child process (tsx on the sources), with plain progress lines. */
function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", join(repo, "src/cli/main.ts"), ...args], {
    cwd: repo,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

// Adam, so that resuming also has optimizer state (moments, step counts) to restore exactly.
const QUICK = [
  "--limit",
  "2000",
  "--batch-size",
  "128",
  "--optimizer",
  "adam",
  "--lr",
  "0.01",
  "--no-progress",
];
const SUMMARY_1 = /^loss \d+\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}$/m;
const SUMMARY_2 = /^\d+\.\d examples\/sec on cpu$/m;
const bytes = (path: string) => new Uint8Array(readFileSync(path));

// The first run is shared by several tests below.
const firstRun = join(tmp, "softmax-1");
let first: Promise<{ code: number | null; stdout: string; stderr: string }> | undefined;
const trainOnce = () =>
  (first ??= runCli(["train", "softmax", "--epochs", "1", ...QUICK, "--out", firstRun]));

test("nabla train softmax --epochs 1 --limit 2000: summary lines, checkpoint, curves, metrics", async () => {
  const { code, stdout, stderr } = await trainOnce();
  assert.equal(code, 0, stderr);
  assert.match(stdout, SUMMARY_1);
  assert.match(stdout, SUMMARY_2);
  const files = readdirSync(firstRun).sort();
  assert.deepEqual(files, [
    "checkpoint.safetensors",
    "curves.png",
    "curves.svg",
    "metrics.csv",
    "metrics.json",
    "model.safetensors",
  ]);
  const ckpt = readCheckpoint(join(firstRun, "checkpoint.safetensors"));
  assert.equal(ckpt.epoch, 1);
  assert.deepEqual(Object.keys(ckpt.model).sort(), ["1.bias", "1.weight"]);
  assert.deepEqual(ckpt.model["1.weight"]!.shape, [10, 784]);
  assert.equal(ckpt.rngState?.length, 5);
  assert.match(readFileSync(join(firstRun, "curves.svg"), "utf8"), /^<svg[^>]*>/);
  assert.deepEqual(
    [...bytes(join(firstRun, "curves.png")).subarray(0, 4)],
    [0x89, 0x50, 0x4e, 0x47],
  );
  const csv = readFileSync(join(firstRun, "metrics.csv"), "utf8").trim().split("\n");
  assert.equal(csv.length, 2);
  assert.match(csv[0]!, /^epoch,train_loss,train_acc,test_acc,lr,/);
  const json = JSON.parse(readFileSync(join(firstRun, "metrics.json"), "utf8"));
  assert.equal(json.length, 1);
  // The printed summary is the last epoch's row of the metrics.
  const m = json[0];
  assert.match(
    stdout,
    new RegExp(
      `loss ${m.train_loss.toFixed(3)}, train acc ${m.train_acc.toFixed(3)}, test acc ${m.test_acc.toFixed(3)}`,
    ),
  );
  assert.ok(m.test_acc > 0.6, `test acc ${m.test_acc}`);
});

test("--resume: 1 epoch + 1 resumed epoch gives the same parameters as 2 uninterrupted epochs", async () => {
  await trainOnce();
  const straight = join(tmp, "softmax-2");
  const resumed = join(tmp, "softmax-1-resumed");
  const [a, b] = await Promise.all([
    runCli(["train", "softmax", "--epochs", "2", ...QUICK, "--no-plot", "--out", straight]),
    runCli([
      "train",
      "softmax",
      "--epochs",
      "2",
      "--no-progress",
      "--no-plot",
      "--resume",
      join(firstRun, "checkpoint.safetensors"),
      "--out",
      resumed,
    ]),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /resuming .* at epoch 2/);
  const x = readCheckpoint(join(straight, "checkpoint.safetensors"));
  const y = readCheckpoint(join(resumed, "checkpoint.safetensors"));
  assert.equal(y.epoch, 2);
  for (const key of Object.keys(x.model))
    assert.deepEqual(y.model[key]!.data(), x.model[key]!.data(), `${key} differs`);
  assert.deepEqual(y.rngState, x.rngState);
  assert.deepEqual(
    bytes(join(resumed, "model.safetensors")),
    bytes(join(straight, "model.safetensors")),
  );
  // The resumed run's metrics continue the first run's.
  const history = JSON.parse(readFileSync(join(resumed, "metrics.json"), "utf8"));
  assert.deepEqual(
    history.map((r: { epoch: number }) => r.epoch),
    [1, 2],
  );
});

test("SIGKILL in the middle of an epoch: the last checkpoint is intact and --resume continues", async () => {
  const out = join(tmp, "killed");
  // Many short epochs of small batches, so that the kill lands inside an epoch however fast it runs.
  const args = [
    "train",
    "softmax",
    "--epochs",
    "50",
    "--limit",
    "6000",
    "--batch-size",
    "16",
    "--no-plot",
  ];
  const child = spawnCli([...args, "--out", out]);
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const killedAt = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      stdout += d;
      // A progress line of epoch 2 means epoch 1's checkpoint is written and epoch 2 is under way.
      if (/^epoch 2\/50 batch \d+\/\d+/m.test(stdout) && child.exitCode === null) {
        child.kill("SIGKILL");
        resolve(stdout);
      }
    });
    child.on("close", (code) => reject(new Error(`exited (${code}) before epoch 2: ${stderr}`)));
  });
  await new Promise((r) => child.once("close", r));
  assert.equal(child.signalCode, "SIGKILL");
  assert.doesNotMatch(killedAt, SUMMARY_2);
  const path = join(out, "checkpoint.safetensors");
  const done = readCheckpoint(path).epoch; // 1, or a little more if output lagged behind
  assert.ok(done >= 1 && done < 50, `checkpoint at epoch ${done}`);
  const {
    code,
    stdout: resumed,
    stderr: err,
  } = await runCli([
    "train",
    "softmax",
    "--resume",
    path,
    "--epochs",
    String(done + 1),
    "--no-progress",
    "--no-plot",
  ]);
  assert.equal(code, 0, err);
  assert.match(resumed, new RegExp(`resuming .* at epoch ${done + 1}`));
  assert.match(resumed, SUMMARY_1);
  assert.equal(readCheckpoint(path).epoch, done + 1);
});

test("a diverging run (huge lr) stops with a message and keeps the last good checkpoint", async () => {
  await trainOnce();
  const out = join(tmp, "diverged");
  const good = join(firstRun, "checkpoint.safetensors");
  const before = bytes(good);
  const { code, stdout, stderr } = await runCli([
    "train",
    "softmax",
    "--epochs",
    "2",
    "--lr",
    "1e38",
    "--no-progress",
    "--resume",
    good,
    "--out",
    out,
  ]);
  assert.equal(code, 1);
  assert.match(stderr, /loss became (NaN|Infinity|-Infinity) at epoch 2, batch \d+/);
  assert.match(stderr, /try a lower learning rate than 1e\+38/);
  assert.match(stderr, /last good checkpoint is kept: .*checkpoint\.safetensors \(epoch 1\)/);
  assert.doesNotMatch(stdout, SUMMARY_1);
  assert.deepEqual(bytes(good), before);
  // The new directory started as a copy of the run at the checkpoint, and keeps that copy.
  assert.deepEqual(bytes(join(out, "checkpoint.safetensors")), before);
  assert.equal(readCheckpoint(join(out, "checkpoint.safetensors")).epoch, 1);
});

test("a checkpoint with missing, extra and wrong-shaped tensors: one error lists them all", async () => {
  await trainOnce();
  const data = readCheckpoint(join(firstRun, "checkpoint.safetensors"));
  const bad = join(tmp, "bad.safetensors");
  const model = { ...data.model };
  delete model["1.bias"];
  model["1.weight"] = nb.zeros([10, 785]);
  model["2.weight"] = nb.zeros([3]);
  saveCheckpoint(bad, { model, epoch: data.epoch, extra: data.extra });
  const run = await nabla("eval", bad);
  assert.equal(run.code, 1);
  assert.match(run.stderr, new RegExp(bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  assert.match(run.stderr, /Missing key\(s\) in state_dict: "1\.bias"/);
  assert.match(run.stderr, /Unexpected key\(s\) in state_dict: "2\.weight"/);
  assert.match(run.stderr, /size mismatch for 1\.weight: .*\[10, ?785\].*\[10, ?784\]/);
});

test("nabla eval and nabla predict on the trained checkpoint", async () => {
  await trainOnce();
  const path = join(firstRun, "checkpoint.safetensors");
  const evalRun = await nabla("eval", path, "--limit", "500");
  assert.equal(evalRun.code, 0, evalRun.stderr);
  const [, accText] =
    /^test acc (\d\.\d{3}) \(softmax after 1 epoch, 500 test examples of fashion-mnist\)$/m.exec(
      evalRun.stdout,
    ) ?? [];
  assert.ok(Number(accText) > 0.6, evalRun.stdout);

  // A test image (a trouser, label 1) written as an RGB PNG at 2x size.
  const testSet = loadFashionMnist("test");
  const i = testSet.labels.indexOf(1);
  const png = new PNG({ width: 56, height: 56 });
  for (let y = 0; y < 56; y++)
    for (let x = 0; x < 56; x++) {
      const v = testSet.images[i * 784 + (y >> 1) * 28 + (x >> 1)]!;
      png.data.set([v, v, v, 255], 4 * (y * 56 + x));
    }
  const image = join(tmp, "trouser.png");
  writeFileSync(image, PNG.sync.write(png));
  const predictRun = await nabla("predict", path, image, "--top", "5");
  assert.equal(predictRun.code, 0, predictRun.stderr);
  const out = predictRun.stdout.trimEnd().split("\n");
  assert.equal(out.length, 6);
  assert.match(out[1]!, /^ {2}1\. trouser +0\.\d{3}$/);
  const probabilities = out.slice(1).map((l) => Number(/(\d\.\d{3})$/.exec(l)![1]));
  for (let k = 1; k < probabilities.length; k++)
    assert.ok(probabilities[k - 1]! >= probabilities[k]!);
  assert.ok(probabilities.reduce((a, b) => a + b, 0) <= 1 + 5e-3);
  const notPng = await nabla("predict", path, path);
  assert.equal(notPng.code, 1);
  assert.match(notPng.stderr, /not a readable PNG image/);

  // model.safetensors is a plain state dict (as PyTorch would save it): --model names its architecture.
  const plain = join(firstRun, "model.safetensors");
  const noModel = await nabla("eval", plain);
  assert.equal(noModel.code, 1);
  assert.match(noModel.stderr, /no run configuration .* --model <name>/);
  const plainRun = await nabla("eval", plain, "--model", "softmax", "--limit", "500");
  assert.equal(plainRun.code, 0, plainRun.stderr);
  assert.match(
    plainRun.stdout,
    new RegExp(
      `^test acc ${accText!.replace(".", "\\.")} \\(softmax, 500 test examples of fashion-mnist\\)$`,
      "m",
    ),
  );
  const other = await nabla("eval", path, "--model", "mlp");
  assert.equal(other.code, 1);
  assert.match(other.stderr, /checkpoint of "softmax", not "mlp"/);
});

test("nabla models, summary and --help", async () => {
  const lines: string[] = [];
  await buildProgram((l) => lines.push(l)).parseAsync(["node", "nabla", "models"]);
  const names = lines.slice(1).map((l) => l.split(/\s+/)[0]);
  for (const m of ["softmax", "mlp", "lenet", "lenet-bn"]) assert.ok(names.includes(m), m);
  assert.match(
    lines.find((l) => l.startsWith("lenet "))!,
    /LeNet-5: sigmoid, average pooling \(d2l 6\.6\)$/,
  );
  lines.length = 0;
  await buildProgram((l) => lines.push(l)).parseAsync(["node", "nabla", "summary", "softmax"]);
  assert.match(lines.join("\n"), /\[1, 784\][\s\S]*\[1, 10\][\s\S]*Total params: 7,850/);
  for (const cmd of ["train", "eval", "predict", "models", "summary"]) {
    let help = "";
    const program = buildProgram();
    program.exitOverride();
    program.configureOutput({ writeOut: (s) => (help += s) });
    for (const c of program.commands)
      c.exitOverride().configureOutput({ writeOut: (s) => (help += s) });
    await assert.rejects(program.parseAsync(["node", "nabla", cmd, "--help"]), /help/i);
    assert.match(help, new RegExp(`Usage: nabla ${cmd}`));
  }
});
