// The shapes the training loop works with: losses and models as interfaces, so that plain
// functions and from-scratch code (d2l's chapter 3) train as well as nn modules, and the updater:
// an optimizer of src/optim or d2l's from-scratch function.
import type { Tensor } from "../tensor/tensor.js";
import type { CheckpointModel } from "../io/checkpoint.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { Predictor } from "./metrics.js";

/** An optimizer of `optim` (e.g. `optim.SGD`), or d2l's from-scratch updater `(batchSize) => void` that applies the summed gradients. */
export type Updater = Optimizer | ((batchSize: number) => void);

/** A loss: a function or a module (`nn.CrossEntropyLoss()`); per-example (reduction "none") or reduced. */
export type Loss =
  ((yHat: Tensor, y: Tensor) => Tensor) | { forward(yHat: Tensor, y: Tensor): Tensor };

/** A model the loop can train: `forward`, train/eval modes, parameters and a state dict. */
export interface TrainableModel extends Predictor, CheckpointModel {
  parameters(): Iterable<Tensor>;
}
