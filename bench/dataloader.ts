// DataLoader throughput: batching Fashion-MNIST's 60,000 training images in batches of 256 through
// the getBatch fast path (sync and async), a TensorDataset, and the per-sample get(i) + stack path
// for comparison; batch resizing for AlexNet/ResNet; an augmentation pipeline inline and in
// worker threads; and the share of a LeNet epoch that batching takes.
// Run: npx tsx bench/dataloader.ts [epochs]
import * as nb from "../src/index.js";

const epochs = Number(process.argv[2] ?? 5);
const BATCH = 256;
const T = nb.data.transforms;

// The machine may be shared: report the best of several runs, in wall time and in this process's
// CPU time (all threads), which other processes disturb less.
let lastCpu = 0;

/** Best (lowest) wall time of `reps` runs of `fn`, in ms; the best CPU time goes to `lastCpu`. */
async function best(reps: number, fn: () => unknown): Promise<number> {
  let min = Number.POSITIVE_INFINITY;
  lastCpu = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t0);
    const c = process.cpuUsage(c0);
    lastCpu = Math.min(lastCpu, (c.user + c.system) / 1000);
  }
  return min;
}

function row(label: string, ms: number, batches: number, extra = ""): void {
  const perBatch = (ms * 1000) / batches;
  console.log(
    `${label.padEnd(46)} ${ms.toFixed(1).padStart(9)} ${lastCpu.toFixed(1).padStart(9)} ${perBatch.toFixed(0).padStart(9)}  ${extra}`,
  );
}

const t0 = performance.now();
const train = new nb.data.FashionMNIST({ train: true });
console.log(
  `Fashion-MNIST train loaded in ${(performance.now() - t0).toFixed(0)} ms (${train.length} images)`,
);
const loader = new nb.data.DataLoader(train, {
  batchSize: BATCH,
  shuffle: true,
  generator: new nb.Generator(0),
});
const nBatches = loader.length;

console.log(`\nbatching one epoch, batch ${BATCH} (${nBatches} batches), best of ${epochs}`);
console.log(
  `${"path".padEnd(46)} ${"wall ms".padStart(9)} ${"cpu ms".padStart(9)} ${"us/batch".padStart(9)}`,
);
for (const batch of loader) void batch; // first touch of the batch memory, JIT warm-up
const syncMs = await best(epochs, () => {
  for (const batch of loader) void batch;
});
const syncCpu = lastCpu;
row("FashionMNIST getBatch, for...of", syncMs, nBatches);
const asyncMs = await best(epochs, async () => {
  for await (const batch of loader) void batch;
});
row("FashionMNIST getBatch, for await (prefetch)", asyncMs, nBatches);

const images = nb.Tensor.fromArray(
  Float32Array.from(train.images, (v) => v / 255),
  [train.length, 1, 28, 28],
);
const labels = nb.Tensor.fromArray(Int32Array.from(train.labels), [train.length]);
const tensorLoader = new nb.data.DataLoader(new nb.data.TensorDataset(images, labels), {
  batchSize: BATCH,
  shuffle: true,
});
row(
  "TensorDataset float32 getBatch, for...of",
  await best(epochs, () => {
    for (const batch of tensorLoader) void batch;
  }),
  nBatches,
);
const perSample: nb.data.Dataset<[nb.Tensor, number]> = {
  length: train.length,
  get: (i) => train.get(i),
};
const slowLoader = new nb.data.DataLoader(perSample, { batchSize: BATCH, shuffle: true });
row(
  "get(i) + default collation (no fast path)",
  await best(1, () => {
    for (const batch of slowLoader) void batch;
  }),
  nBatches,
);
const stackLoader = new nb.data.DataLoader(perSample, {
  batchSize: BATCH,
  shuffle: true,
  collateFn: (s) => [nb.stack(s.map(([x]) => x)), nb.tensor(s.map(([, y]) => y))],
});
row(
  "get(i) + nb.stack (the naive way)",
  await best(1, () => {
    for (const batch of stackLoader) void batch;
  }),
  nBatches,
);

console.log(`\nresizing a batch of ${BATCH} (resizeBatch, bilinear), best of 5`);
const [X] = train.getBatch(Array.from({ length: BATCH }, (_, i) => i));
for (const size of [96, 224]) {
  const ms = await best(5, () => T.resizeBatch(X, [size, size]));
  console.log(
    `${`28x28 -> ${size}x${size}`.padEnd(46)} ${ms.toFixed(1).padStart(9)} ms/batch  (${((ms * nBatches) / 1000).toFixed(1)} s/epoch)`,
  );
}

console.log("\naugmentation (RandomCrop(28, padding 4), flip, ColorJitter 0.4), 10,240 images");
const augment = new T.Compose([
  new T.RandomCrop(28, { padding: 4 }),
  new T.RandomHorizontalFlip(),
  new T.ColorJitter({ brightness: 0.4, contrast: 0.4 }),
]);
const subset = new nb.data.Subset(
  train,
  Array.from({ length: 10240 }, (_, i) => i),
);
for (const numWorkers of [0, 1, 2]) {
  const aug = new nb.data.DataLoader(subset, {
    batchSize: BATCH,
    shuffle: true,
    transform: augment,
    numWorkers,
  });
  for (const batch of aug) void batch; // start the workers, warm up
  const ms = await best(3, async () => {
    for await (const batch of aug) void batch;
  });
  row(
    `numWorkers ${numWorkers}, for await`,
    ms,
    aug.length,
    `${((10240 / ms) * 1000).toFixed(0)} images/s`,
  );
  await aug.close();
}

// How long a LeNet training step takes here, to put the batching time in proportion (on the
// native backend when it is built).
try {
  const native = await import("../src/backend/native/index.js").then((m) => m.nativeBackend());
  if (native) nb.setBackend(native);
  const net = nb.models.lenet();
  const opt = new nb.optim.SGD(net.parameters(), { lr: 0.9 });
  const [Xb, yb] = train.getBatch(Array.from({ length: BATCH }, (_, i) => i * 7));
  const step = () => {
    opt.zeroGrad();
    const loss = nb.F.crossEntropy(net.forward(Xb), yb);
    loss.backward();
    opt.step();
  };
  step();
  const stepMs = await best(5, step);
  const epochMs = stepMs * nBatches;
  const batching = Math.min(syncMs, syncCpu);
  const share = (100 * batching) / (epochMs + batching);
  console.log(
    `\nLeNet step (batch ${BATCH}, ${nb.getBackend().name} backend): ${stepMs.toFixed(1)} ms -> epoch ~${(epochMs / 1000).toFixed(2)} s; batching (${batching.toFixed(0)} ms) is ${share.toFixed(2)}% of an epoch`,
  );
} catch (e) {
  console.log(`\nLeNet step not measured: ${(e as Error).message}`);
}
