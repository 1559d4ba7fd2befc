// One model's training epochs on nabla, as bench/torch_worker.py's train_epoch runs them: images
// preloaded as one float32 tensor, a fresh randperm per epoch, indexSelect of each batch of 256,
// SGD at the registry's lr, mean cross-entropy, gradients set to null by zeroGrad.
import * as nb from "../../src/index.js";
import { xavierInit } from "../../src/train/defaults.js";
import { minorFaults, now } from "./timing.js";
import type { Measure } from "./workload.js";

/** What a training row runs: the registry's model, its init as the worker names it, and data. */
export interface TrainSpec {
  model: string;
  init: "normal" | "xavier";
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  /** Whole epochs run before the timed ones; the first one's speed is reported as `first`. */
  warmupEpochs: number;
  /** Batches run after those (the quick mode's only warm-up). */
  warmupBatches: number;
  epochs: number;
}

/** The book's N(0, 0.01) init of chapters 4-5 on every Linear weight. */
function normalInit(net: nb.nn.Module): void {
  net.apply((m) => {
    if (m instanceof nb.nn.Linear) nb.nn.init.normal_(m.weight, 0, 0.01);
  });
}

/**
 * Best examples/s over `spec.epochs` epochs after a warm-up, that epoch's minor page faults, and
 * the examples/s of the first warm-up epoch (when there is one).
 */
export function trainEpochs(spec: TrainSpec): Measure {
  nb.manualSeed(0);
  const entry = nb.models.get(spec.model);
  const net = entry.build() as nb.nn.Module;
  if (spec.init === "xavier") xavierInit(net);
  else normalInit(net);
  const opt = new nb.optim.SGD(net.parameters(), { lr: entry.defaults.lr });
  const batch = entry.defaults.batchSize;
  const { count } = spec;
  // A plain loop: Float32Array.from(bytes, fn) first lists all 47M values as a JS array, which
  // left 370 MB of V8 heap alive during the timed epochs (a heap no training script has).
  const bytes = spec.images.subarray(0, count * 784);
  const pixels = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) pixels[i] = bytes[i]! / 255;
  const X = nb.Tensor.fromArray(pixels, [count, 1, 28, 28]);
  const y = nb.Tensor.fromArray(Int32Array.from(spec.labels.subarray(0, count)), [count]);
  const epoch = (limit = Number.POSITIVE_INFINITY): number => {
    const perm = nb.randperm(count);
    let seen = 0;
    for (let start = 0; start < count && seen < limit; start += batch) {
      const idx = perm.narrow(0, start, Math.min(batch, count - start));
      opt.zeroGrad();
      const loss = nb.F.crossEntropy(net.forward(X.indexSelect(0, idx)), y.indexSelect(0, idx));
      loss.backward();
      opt.step();
      seen += idx.shape[0]!;
    }
    return seen;
  };
  let first: number | undefined;
  for (let e = 0; e < spec.warmupEpochs; e++) {
    const t0 = now();
    const seen = epoch();
    if (e === 0) first = seen / (now() - t0);
  }
  if (spec.warmupBatches > 0) epoch(batch * spec.warmupBatches);
  let best: Measure = { value: 0, faults: 0 };
  for (let e = 0; e < spec.epochs; e++) {
    const f0 = minorFaults();
    const t0 = now();
    const seen = epoch();
    const perSec = seen / (now() - t0);
    if (perSec > best.value) best = { value: perSec, faults: minorFaults() - f0 };
  }
  return first === undefined ? best : { ...best, first };
}
