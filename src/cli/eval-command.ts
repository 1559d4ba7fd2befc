// `nabla eval <checkpoint>`: test accuracy of a trained model.
import { evaluateAccuracy } from "../train/metrics.js";
import { makeTestLoader, parseDataset } from "./data.js";
import { modelFromCheckpoint, plural } from "./train-command.js";

/** Options of `nabla eval`, e.g. `{ batchSize: 256, limit: 1000 }`. */
export interface EvalCliOptions {
  dataset?: string;
  batchSize?: number;
  limit?: number;
  /** The architecture of a plain state dict (one without `nabla train`'s run configuration). */
  model?: string;
}

/**
 * Evaluate a checkpoint on its dataset's test split (or `--dataset`); returns the accuracy.
 * @example const acc = await runEval("runs/lenet/checkpoint.safetensors", { batchSize: 256 });
 */
export async function runEval(
  path: string,
  options: EvalCliOptions,
  log: (line: string) => void = (l) => console.log(l),
): Promise<number> {
  const { net, config, epoch } = modelFromCheckpoint(path, options.model);
  const choice = parseDataset(options.dataset ?? config.dataset);
  const test = makeTestLoader(choice, {
    batchSize: options.batchSize ?? 256,
    resize: config.resize,
    limit: options.limit,
    seed: config.seed,
  });
  const acc = await evaluateAccuracy(net, test);
  log(
    `test acc ${acc.toFixed(3)} (${config.model}${epoch > 0 ? ` after ${plural(epoch, "epoch")}` : ""}, ${test.dataset.length} test examples of ${choice.name})`,
  );
  return acc;
}
