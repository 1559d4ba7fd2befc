import { Tensor } from "../tensor/tensor.js";
import { type BackwardCallOptions, backward } from "./engine.js";
import type { Node } from "./function.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    /**
     * Computes gradients of this tensor with respect to the graph's leaves, with PyTorch's
     * arguments: `backward(gradient?, { retainGraph, createGraph, inputs })`, or the options
     * alone. Example: `loss.backward()`, `y.backward({ retainGraph: true })`.
     */
    backward(gradient?: Tensor | BackwardCallOptions | null, options?: BackwardCallOptions): void;
    /** A tensor sharing this one's data, cut from the graph. Example: `y.detach()`. */
    detach(): Tensor;
    /** Cuts this tensor from the graph in place. Example: `h.detach_()`. */
    detach_(): this;
    /** Makes a non-leaf keep its `.grad` after backward. Example: `y.retainGrad()`. */
    retainGrad(): this;
  }
}

Tensor.prototype.backward = function (
  this: Tensor,
  gradient?: Tensor | BackwardCallOptions | null,
  options?: BackwardCallOptions,
) {
  backward(this, gradient, options);
};

Tensor.prototype.detach = function (this: Tensor): Tensor {
  return new Tensor(this.storage, this.shape, this.strides, this.offset, this.base ?? this);
};

Tensor.prototype.detach_ = function <T extends Tensor>(this: T): T {
  this.gradFn = null;
  this.setRequiresGradUnchecked(false);
  return this;
};

Tensor.prototype.retainGrad = function <T extends Tensor>(this: T): T {
  if (!this.requiresGrad)
    throw new Error("retainGrad: can't retain the grad of a tensor that does not require grad");
  if (this.gradFn !== null) (this.gradFn as Node).retained = this;
  this.retainsGrad = true;
  return this;
};
