// The defaults of d2l's train_ch6: cross-entropy loss (mean), minibatch SGD, Xavier init.
import { SGD } from "../optim/sgd.js";
import { crossEntropy } from "../nn/loss-functions.js";
import { Tensor } from "../tensor/tensor.js";
import { xavierUniform_ } from "../nn/init.js";
import { Conv2d } from "../nn/conv.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import { isUninitialized } from "../nn/parameter.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { Loss, TrainableModel } from "./types.js";

/**
 * Mean cross-entropy over class-index targets (PyTorch's `nn.CrossEntropyLoss()`).
 * @example const loss = defaultLoss(); loss(logits, labels).backward();
 */
export function defaultLoss(): Loss {
  return (yHat: Tensor, y: Tensor) => crossEntropy(yHat, y);
}

/**
 * Minibatch SGD over a model's parameters (`optim.SGD(net.parameters(), { lr })`).
 * @example const opt = defaultOptimizer(net, 0.1);
 */
export function defaultOptimizer(net: TrainableModel, lr: number): Optimizer {
  return new SGD([...net.parameters()], { lr });
}

/**
 * d2l's `init_weights`: xavier-uniform on the weight of every Linear and Conv2d.
 * @example xavierInit(net);
 */
export function xavierInit(net: TrainableModel): void {
  // As d2l's `type(m) == nn.Linear or type(m) == nn.Conv2d` (lazy variants included).
  const isTarget = (m: Module) => m instanceof Linear || m instanceof Conv2d;
  const visit = (m: Module) => {
    const weight = (m as { weight?: unknown }).weight;
    if (isTarget(m) && weight instanceof Tensor && !isUninitialized(weight)) xavierUniform_(weight);
  };
  if (!(net instanceof Module))
    throw new TypeError(
      "train: init 'xavier' needs an nn.Module (to find its Linear and Conv2d layers)",
    );
  net.apply(visit);
}
