// `--optimizer sgd|adam` as optimizer objects over a model's parameters.
import { Adam } from "../optim/adam.js";
import { SGD } from "../optim/sgd.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { TrainableModel } from "../train/trainer.js";

/**
 * The optimizer named by `--optimizer`, over all parameters of `net` (PyTorch's defaults otherwise).
 * @example const opt = makeOptimizer("sgd", net, 0.9);
 */
export function makeOptimizer(kind: "sgd" | "adam", net: TrainableModel, lr: number): Optimizer {
  const params = [...net.parameters()];
  return kind === "adam" ? new Adam(params, { lr }) : new SGD(params, { lr });
}
