import { elu, leakyRelu, relu, sigmoid, silu, tanh } from "../ops/elementwise.js";
import { logSoftmax, softmax } from "../ops/softmax.js";
import type { Tensor } from "../tensor/tensor.js";
import { gelu, hardtanh, logsigmoid, relu6, softplus } from "./functional.js";
import { Module } from "./module.js";
import { pyFloat, pyStr } from "./repr.js";

/** max(x, 0). Example: `new nn.ReLU()`. */
export class ReLU extends Module {
  override forward(input: Tensor): Tensor {
    return relu(input);
  }
}

/** min(max(x, 0), 6). Example: `new nn.ReLU6()`. */
export class ReLU6 extends Module {
  override forward(input: Tensor): Tensor {
    return relu6(input);
  }
}

/** x for x > 0, else negativeSlope * x. Example: `new nn.LeakyReLU(0.2)`. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return leakyRelu(input, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/** x for x > 0, else alpha (e^x - 1). Example: `new nn.ELU()`. */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return elu(input, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/** x Phi(x) (or its tanh approximation). Example: `new nn.GELU()`, `new nn.GELU("tanh")`. */
export class GELU extends Module {
  constructor(readonly approximate: "none" | "tanh" = "none") {
    super();
  }
  override forward(input: Tensor): Tensor {
    return gelu(input, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate=${pyStr(this.approximate)}`;
  }
}

/** x sigmoid(x), also called swish. Example: `new nn.SiLU()`. */
export class SiLU extends Module {
  override forward(input: Tensor): Tensor {
    return silu(input);
  }
}

/** 1 / (1 + e^-x). Example: `new nn.Sigmoid()`. */
export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return sigmoid(input);
  }
}

/** log(sigmoid(x)). Example: `new nn.LogSigmoid()`. */
export class LogSigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return logsigmoid(input);
  }
}

/** Hyperbolic tangent. Example: `new nn.Tanh()`. */
export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

/** Clamps to [minVal, maxVal]. Example: `new nn.Hardtanh(-2, 2)`. */
export class Hardtanh extends Module {
  constructor(
    readonly minVal = -1,
    readonly maxVal = 1,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return hardtanh(input, this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}`;
  }
}

/** log(1 + e^(beta x)) / beta, linear above `threshold`. Example: `new nn.Softplus()`. */
export class Softplus extends Module {
  constructor(
    readonly beta = 1,
    readonly threshold = 20,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return softplus(input, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${pyFloat(this.beta)}, threshold=${pyFloat(this.threshold)}`;
  }
}

/** Softmax along `dim`. Example: `new nn.Softmax(1)`. */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new TypeError(`Softmax: dim must be an integer, got ${dim}`);
  }
  override forward(input: Tensor): Tensor {
    return softmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax(x)) along `dim`, computed stably. Example: `new nn.LogSoftmax(1)`. */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
    if (!Number.isInteger(dim))
      throw new TypeError(`LogSoftmax: dim must be an integer, got ${dim}`);
  }
  override forward(input: Tensor): Tensor {
    return logSoftmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
