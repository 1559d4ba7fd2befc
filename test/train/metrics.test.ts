import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "../../src/index.js";
import { Accumulator, accuracy, evaluateAccuracy, Timer } from "../../src/train/metrics.js";
import {
  NonFiniteLossError,
  summaryLines,
  trainEpoch,
  type Loss,
} from "../../src/train/trainer.js";

test("Accumulator sums per variable, resets, and checks its arity", () => {
  const m = new Accumulator(3);
  m.add(1, 2, 3);
  m.add(0.5, 1, 1);
  assert.deepEqual(m.data, [1.5, 3, 4]);
  assert.equal(m.get(2), 4);
  assert.throws(() => m.add(1), /expected 3 values, got 1/);
  assert.throws(() => m.get(3), /index 3 out of range/);
  m.reset();
  assert.deepEqual(m.data, [0, 0, 0]);
});

test("Timer records seconds, avg, sum, cumsum", () => {
  let now = 0;
  const t = new Timer(() => now);
  now = 1500;
  assert.equal(t.stop(), 1.5);
  t.start();
  now = 2000;
  t.stop();
  assert.deepEqual(t.times, [1.5, 0.5]);
  assert.equal(t.sum(), 2);
  assert.equal(t.avg(), 1);
  assert.deepEqual(t.cumsum(), [1.5, 2]);
});

test("accuracy counts correct predictions (d2l's example: 1 of 2)", () => {
  const yHat = nb.tensor([
    [0.1, 0.3, 0.6],
    [0.3, 0.2, 0.5],
  ]);
  const y = nb.tensor([0, 2], { dtype: "int32" });
  assert.equal(accuracy(yHat, y), 1);
  assert.equal(accuracy(nb.tensor([2, 2], { dtype: "int32" }), y), 1);
  assert.throws(
    () => accuracy(yHat, nb.tensor([0, 1, 2], { dtype: "int32" })),
    /2 predictions .* but 3 labels/,
  );
});

test("evaluateAccuracy runs in eval mode, restores train mode, accepts async iterables", async () => {
  const modes: string[] = [];
  const net = {
    training: true,
    forward: (x: nb.Tensor) => {
      modes.push(net.training ? "train" : "eval");
      return x;
    },
    eval() {
      net.training = false;
    },
    train(mode = true) {
      net.training = mode;
    },
  };
  const batch = (rows: number[][], labels: number[]) =>
    [nb.tensor(rows), nb.tensor(labels, { dtype: "int32" })] as const;
  async function* data() {
    yield batch(
      [
        [1, 0],
        [0, 1],
      ],
      [0, 0],
    );
    yield batch([[0, 1]], [1]);
  }
  assert.equal(await evaluateAccuracy(net, data()), 2 / 3);
  assert.deepEqual(modes, ["eval", "eval"]);
  assert.equal(net.training, true);
});

// Softmax regression on two separable blobs, with d2l's from-scratch updater (ch3 style).
function blobs(n: number) {
  nb.manualSeed(1);
  const X = nb.randn([n, 2]);
  const y = nb.tensor(
    Array.from({ length: n }, (_, i) => i % 2),
    { dtype: "int32" },
  );
  const shift = nb.tensor(Array.from({ length: n }, (_, i) => [i % 2 ? 3 : -3, 0]));
  return { X: X.add(shift), y };
}

test("trainEpoch with a from-scratch updater (per-example loss) learns separable data", async () => {
  const { X, y } = blobs(64);
  const W = nb.zeros([2, 2], { requiresGrad: true });
  const b = nb.zeros([2], { requiresGrad: true });
  const net = { forward: (x: nb.Tensor) => x.matmul(W).add(b) };
  const loss: Loss = (yHat, t) => yHat.logSoftmax(1).gather(1, t.reshape(-1, 1)).neg().reshape(-1);
  const sgd = (batchSize: number) =>
    nb.noGrad(() => {
      for (const p of [W, b]) {
        p.sub_(p.grad!.mul(0.5 / batchSize));
        p.grad = null;
      }
    });
  const data = [0, 16, 32, 48].map((i) => [X.narrow(0, i, 16), y.narrow(0, i, 16)] as const);
  const first = await trainEpoch(net, data, loss, sgd, { progress: false });
  assert.equal(first.examples, 64);
  assert.ok(first.loss < Math.log(2), `first-epoch loss ${first.loss}`); // below the loss of a zero model
  const second = await trainEpoch(net, data, loss, sgd, { progress: false });
  assert.ok(second.loss < first.loss);
  assert.equal(second.acc, 1);
});

test("trainEpoch stops on a non-finite loss with a message suggesting a lower learning rate", async () => {
  const net = { forward: (x: nb.Tensor) => x.log() };
  const data = [[nb.tensor([[-1, 1]]), nb.tensor([0], { dtype: "int32" })] as const];
  const loss: Loss = (yHat) => yHat.sum();
  await assert.rejects(
    trainEpoch(net, data, loss, () => {}, { epoch: 3, progress: false, lr: 0.9 }),
    (e: Error) =>
      e instanceof NonFiniteLossError &&
      /loss became NaN at epoch 3, batch 1/.test(e.message) &&
      /lower learning rate than 0\.9 \(e\.g\. --lr 0\.09\)/.test(e.message),
  );
});

test("summaryLines uses the book's format", () => {
  assert.deepEqual(
    summaryLines({ trainLoss: 0.4689, trainAcc: 0.8231, testAcc: 0.779, examplesPerSec: 55296.64 }),
    ["loss 0.469, train acc 0.823, test acc 0.779", "55296.6 examples/sec on cpu"],
  );
});
