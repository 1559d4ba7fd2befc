// Upsampling as a layer: `forward` calls `interpolate`.
import { interpolate, type InterpolateMode } from "../ops/image.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { pyFloat, pyStr, pyTuple } from "./repr.js";

/** Options of `nn.Upsample`: give `size` or `scaleFactor`. */
export interface UpsampleOptions {
  size?: number | readonly number[];
  scaleFactor?: number | readonly number[];
  mode?: InterpolateMode;
  alignCorners?: boolean;
}

/**
 * Resizes feature maps by interpolation. Example: `new nn.Upsample({ scaleFactor: 2, mode: "bilinear" })`
 * prints `Upsample(scale_factor=2.0, mode='bilinear')`.
 */
export class Upsample extends Module {
  readonly size: number | readonly number[] | undefined;
  readonly scaleFactor: number | readonly number[] | undefined;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | undefined;
  constructor(options: UpsampleOptions) {
    super();
    if ((options.size === undefined) === (options.scaleFactor === undefined))
      throw new Error("Upsample: give exactly one of size and scaleFactor");
    this.size = options.size;
    this.scaleFactor = options.scaleFactor;
    this.mode = options.mode ?? "nearest";
    this.alignCorners = options.alignCorners;
  }
  override forward(input: Tensor): Tensor {
    return interpolate(input, {
      size: this.size,
      scaleFactor: this.scaleFactor,
      mode: this.mode,
      alignCorners: this.alignCorners,
    });
  }
  override extraRepr(): string {
    const sf = this.scaleFactor;
    const info =
      sf !== undefined
        ? `scale_factor=${typeof sf === "number" ? pyFloat(sf) : `(${sf.map(pyFloat).join(", ")})`}`
        : `size=${typeof this.size === "number" ? this.size : pyTuple(this.size!)}`;
    return `${info}, mode=${pyStr(this.mode)}`;
  }
}
