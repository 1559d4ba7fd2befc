import { flatten, unflatten } from "../ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { pyTuple } from "./repr.js";

/** Flattens dims `startDim..endDim` into one (by default all but the batch dim). Example: `new nn.Flatten()`. */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return flatten(input, this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Splits dim `dim` into `unflattenedSize`. Example: `new nn.Unflatten(1, [1, 28, 28])`. */
export class Unflatten extends Module {
  readonly unflattenedSize: readonly number[];
  constructor(
    readonly dim: number,
    unflattenedSize: readonly number[],
  ) {
    super();
    this.unflattenedSize = unflattenedSize.slice();
  }
  override forward(input: Tensor): Tensor {
    return unflatten(input, this.dim, this.unflattenedSize);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}
