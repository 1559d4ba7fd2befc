// train(): d2l's train_ch6 loop with nn modules, an optimizer and a scheduler, writing its files.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as nb from "../../src/index.js";
import { readCheckpoint } from "../../src/io/checkpoint.js";
import { constant_ } from "../../src/nn/init.js";
import { Linear } from "../../src/nn/linear.js";
import { Sequential } from "../../src/nn/containers.js";
import { SGD } from "../../src/optim/sgd.js";
import { LRScheduler, StepLR } from "../../src/optim/lr-scheduler.js";
import { ReduceLROnPlateau } from "../../src/optim/lr-scheduler-cycle.js";
import { NonFiniteLossError, RUN_FILES, train } from "../../src/train/trainer.js";

const dir = mkdtempSync(join(tmpdir(), "nabla-train-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Two well-separated Gaussian blobs in 4 dims, as [X, y] batches of 16. */
function blobs(n: number, seed: number): [nb.Tensor, nb.Tensor][] {
  nb.manualSeed(seed);
  const y = nb.tensor(
    Array.from({ length: n }, (_, i) => i % 2),
    { dtype: "int32" },
  );
  const X = nb.randn([n, 4]).add(y.float().mul(4).sub(2).reshape(-1, 1));
  const out: [nb.Tensor, nb.Tensor][] = [];
  for (let i = 0; i < n; i += 16) out.push([X.narrow(0, i, 16), y.narrow(0, i, 16)]);
  return out;
}

test("train: loss falls, files are written each epoch, scheduler and callbacks run, summary printed", async () => {
  const trainData = blobs(64, 1);
  const testData = blobs(32, 2);
  nb.manualSeed(0);
  const net = new Sequential(new Linear(4, 2));
  const opt = new SGD(net.parameters(), { lr: 0.5 });
  const scheduler = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
  const lines: string[] = [];
  const seen: number[] = [];
  const out = join(dir, "run");
  const r = await train(net, trainData, testData, {
    numEpochs: 3,
    optimizer: opt,
    scheduler,
    init: "xavier",
    outDir: out,
    plot: false,
    progress: false,
    log: (l) => lines.push(l),
    onEpochEnd: (m) => {
      seen.push(m.epoch);
      // The checkpoint of this epoch is already on disk when the callback runs.
      assert.equal(readCheckpoint(join(out, RUN_FILES.checkpoint)).epoch, m.epoch);
    },
  });
  assert.deepEqual(seen, [1, 2, 3]);
  assert.deepEqual(
    r.history.map((m) => m.lr),
    [0.5, 0.25, 0.125],
  );
  assert.ok(r.history[2]!.train_loss < r.history[0]!.train_loss);
  assert.ok(r.testAcc > 0.9, `test acc ${r.testAcc}`);
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^loss \d\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}$/);
  assert.match(lines[1]!, /^\d+\.\d examples\/sec on cpu$/);
  assert.deepEqual(lines, r.summary);
  const ckpt = readCheckpoint(join(out, RUN_FILES.checkpoint));
  assert.deepEqual(Object.keys(ckpt.model).sort(), ["0.bias", "0.weight"]);
  assert.deepEqual(ckpt.model["0.weight"]!.data(), net.stateDict()["0.weight"]!.data());
  assert.equal((ckpt.scheduler as { lastEpoch: number }).lastEpoch, 3);
  assert.equal(
    (ckpt.extra as { history: unknown[] }).history.length,
    3,
    "the history travels in the checkpoint",
  );
  assert.equal(existsSync(join(out, "curves.svg")), false);
  assert.equal(readFileSync(join(out, RUN_FILES.metricsCsv), "utf8").trim().split("\n").length, 4);
});

test("train: an init function gets the model with its own type, as d2l's net.apply(init_weights)", async () => {
  const net = new Sequential(new Linear(4, 2), new Linear(2, 2));
  const initialised: Linear[] = [];
  await train(net, blobs(16, 1), blobs(16, 2), {
    numEpochs: 0,
    progress: false,
    log: () => {},
    // `m` is the Sequential itself, so its Module methods need no cast.
    init: (m) =>
      m.apply((layer) => {
        if (layer instanceof Linear) {
          constant_(layer.weight, 0.5);
          initialised.push(layer);
        }
      }),
  });
  assert.deepEqual(initialised, [net.at(0), net.at(1)]);
  assert.deepEqual(net.at(1).weight.toArray(), [
    [0.5, 0.5],
    [0.5, 0.5],
  ]);
});

test("train: a scheduler that needs a metric (ReduceLROnPlateau) is refused before training, with the way to use it", async () => {
  const net = new Sequential(new Linear(4, 2));
  const opt = new SGD(net.parameters(), { lr: 0.5 });
  const plateau = new ReduceLROnPlateau(opt, { patience: 0 });
  const before = net.stateDict()["0.weight"]!.toArray();
  await assert.rejects(
    train(net, blobs(32, 1), blobs(32, 2), {
      numEpochs: 2,
      optimizer: opt,
      // As a JavaScript caller can pass it: the types ask for an epoch-stepped LRScheduler.
      scheduler: plateau as unknown as LRScheduler,
      progress: false,
      log: () => {},
    }),
    /^TypeError: train: scheduler must be an epoch-stepped LR scheduler .*, got ReduceLROnPlateau; step it with a metric in onEpochEnd/,
  );
  assert.deepEqual(net.stateDict()["0.weight"]!.toArray(), before, "nothing was trained");
});

test("train: a diverging epoch throws and leaves the previous epoch's checkpoint untouched", async () => {
  const trainData = blobs(64, 1);
  nb.manualSeed(0);
  const net = new Sequential(new Linear(4, 2));
  const opt = new SGD(net.parameters(), { lr: 0.1 });
  const out = join(dir, "diverge");
  let epochs = 0;
  await assert.rejects(
    train(net, trainData, trainData, {
      numEpochs: 3,
      optimizer: opt,
      outDir: out,
      plot: false,
      progress: false,
      log: () => {},
      onEpochEnd: () => {
        epochs++;
        opt.paramGroups[0]!.lr = 1e39; // the next epoch diverges (weights overflow float32)
      },
    }),
    (e: Error) =>
      e instanceof NonFiniteLossError && e.epoch === 2 && /lower learning rate/.test(e.message),
  );
  assert.equal(epochs, 1);
  const ckpt = readCheckpoint(join(out, RUN_FILES.checkpoint));
  assert.equal(ckpt.epoch, 1);
  for (const t of Object.values(ckpt.model))
    assert.ok(Array.from(t.data()).every(Number.isFinite), "the kept checkpoint is finite");
});

test("train: outDir is made ready before the first epoch, and a resumed run rewrites the files derived from its state first", async () => {
  const trainData = blobs(32, 1);
  nb.manualSeed(0);
  const net = new Sequential(new Linear(4, 2));
  const run = (options: Partial<Parameters<typeof train>[3]>) =>
    train(net, trainData, trainData, {
      numEpochs: 1,
      plot: false,
      progress: false,
      log: () => {},
      ...options,
    });
  await assert.rejects(run({ outDir: "" }), /^Error: train: outDir must name a directory, got ""$/);
  const file = join(dir, "a-file");
  writeFileSync(file, "x");
  let epochs = 0;
  await assert.rejects(
    run({ outDir: join(file, "sub"), onEpochEnd: () => void epochs++ }),
    /train: outDir: cannot create directory .*a-file\/sub: ENOTDIR/,
  );
  assert.equal(epochs, 0, "no epoch ran");

  // Nested directories are created; files lists what was written.
  const out = join(dir, "nested", "run");
  const first = await run({ outDir: out });
  assert.deepEqual(first.files, [
    "checkpoint.safetensors",
    "model.safetensors",
    "metrics.csv",
    "metrics.json",
  ]);
  // Resuming with nothing left to run: the derived files are rewritten from the given state.
  writeFileSync(join(out, RUN_FILES.metricsJson), "[]");
  const again = await run({ outDir: out, startEpoch: 1, history: first.history });
  assert.deepEqual(again.files, ["model.safetensors", "metrics.csv", "metrics.json"]);
  assert.deepEqual(
    JSON.parse(readFileSync(join(out, RUN_FILES.metricsJson), "utf8")),
    first.history,
  );
  // With no epoch run, the summary is the last epoch's, its throughput included.
  assert.deepEqual(again.summary, first.summary);
  assert.deepEqual((await run({})).files, []);
});
