import { dropout } from "../ops/dropout.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { pyFloat } from "./repr.js";

/**
 * In training mode zeroes each element with probability `p` and scales the rest by 1/(1-p);
 * in eval mode passes the input through. Example: `new nn.Dropout(0.5)`.
 */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1))
      throw new RangeError(`Dropout: probability has to be between 0 and 1, but got ${p}`);
  }
  override forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
