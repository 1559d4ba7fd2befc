// `--optimizer sgd|adam` as optimizer objects over a model's parameters.
// TODO(optim): use optim.SGD and optim.Adam once src/optim lands.
import { defaultOptimizer } from "../train/defaults.js";
import type { Optimizer, TrainableModel } from "../train/trainer.js";

/**
 * The optimizer named by `--optimizer`, over all parameters of `net`.
 * @example const opt = makeOptimizer("sgd", net, 0.9);
 */
export function makeOptimizer(kind: "sgd" | "adam", net: TrainableModel, lr: number): Optimizer {
  if (kind === "sgd") return defaultOptimizer(net, lr);
  throw new Error(`--optimizer ${kind}: not available yet`);
}
