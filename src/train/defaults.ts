// The defaults of d2l's train_ch6: cross-entropy loss (mean), minibatch SGD, Xavier init.
// TODO(nn): use nn.CrossEntropyLoss, optim.SGD and nn.init.xavierUniform_ once src/nn and
// src/optim land; until then these stand-ins implement the same maths with core ops.
import { noGrad } from "../autograd/grad-mode.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Loss, Optimizer, TrainableModel } from "./trainer.js";

/**
 * Mean cross-entropy over class-index targets (PyTorch's `nn.CrossEntropyLoss()`).
 * @example const loss = defaultLoss(); loss(logits, labels).backward();
 */
export function defaultLoss(): Loss {
  return (yHat: Tensor, y: Tensor) =>
    yHat.logSoftmax(1).gather(1, y.reshape(-1, 1).int()).neg().mean();
}

/**
 * Minibatch SGD over a model's parameters (`optim.SGD(net.parameters(), { lr })`).
 * @example const opt = defaultOptimizer(net, 0.1);
 */
export function defaultOptimizer(net: TrainableModel, lr: number): Optimizer {
  const params = [...net.parameters()];
  const group = { lr };
  return {
    paramGroups: [group],
    zeroGrad() {
      for (const p of params) p.grad = null;
    },
    step() {
      noGrad(() => {
        for (const p of params) if (p.grad) p.sub_(p.grad.mul(group.lr));
      });
    },
    stateDict() {
      return { state: {}, param_groups: [{ lr: group.lr, params: params.map((_, i) => i) }] };
    },
    loadStateDict(s: { param_groups: { lr: number }[] }) {
      group.lr = s.param_groups[0]!.lr;
    },
  };
}

/**
 * d2l's `init_weights`: xavier-uniform on the weight of every Linear and Conv2d.
 * @example xavierInit(net);
 */
export function xavierInit(_net: TrainableModel): void {
  throw new Error("train: init 'xavier' needs src/nn (not available yet)");
}
