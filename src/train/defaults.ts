// The defaults of d2l's train_ch6: cross-entropy loss (mean), minibatch SGD, Xavier init.
import { SGD } from "../optim/sgd.js";
import { crossEntropy } from "../nn/loss-functions.js";
import { Tensor } from "../tensor/tensor.js";
import { xavierUniform_ } from "../nn/init.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import { isUninitialized } from "../nn/parameter.js";
import type { Loss, Optimizer, TrainableModel } from "./types.js";

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
  const isTarget = (m: Module) =>
    m instanceof Linear || m.constructor.name === "Conv2d" || m.constructor.name === "LazyConv2d";
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
