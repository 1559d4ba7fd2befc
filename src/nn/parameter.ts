import { getBackend } from "../backend/index.js";
import type { DType } from "../tensor/dtype.js";
import type { Storage } from "../tensor/storage.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * A tensor that a `Module` registers as a parameter: always a leaf, sharing the data it was made
 * from, with `requiresGrad` true unless told otherwise.
 * Example: `this.weight = new nn.Parameter(nb.randn([inUnits, units]))`.
 */
export class Parameter extends Tensor {
  constructor(data?: Tensor, requiresGrad = true) {
    const src = data ?? Tensor.zeros([0], "float32");
    super(src.storage, src.shape, src.strides, src.offset, null);
    if (requiresGrad) this.requiresGrad = true;
  }

  /** As PyTorch: `Parameter containing:\ntensor(...)`. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/**
 * The parameter of a lazy module before its first `forward`: it has no shape yet (it holds no
 * elements) until `materialize` gives it one, in place, so optimizers built earlier keep working.
 * Example: `new nn.LazyLinear(10).weight instanceof nn.UninitializedParameter`.
 */
export class UninitializedParameter extends Parameter {
  readonly dtypeToBe: DType;
  constructor(requiresGrad = true, dtype: DType = "float32") {
    super(Tensor.zeros([0], dtype), requiresGrad);
    this.dtypeToBe = dtype;
  }

  override toString(): string {
    return "<UninitializedParameter>";
  }

  /**
   * Gives the parameter a zero-filled shape in place and turns it into a plain `Parameter`, as
   * PyTorch's `materialize` does. Example: `p.materialize([10, 20])`.
   */
  materialize(shape: readonly number[], dtype: DType = this.dtypeToBe): Parameter {
    setData(
      this,
      Tensor.fromArray(
        getBackend().alloc(
          dtype,
          shape.reduce((a, b) => a * b, 1),
        ),
        shape.slice(),
      ),
    );
    Object.setPrototypeOf(this, Parameter.prototype);
    return this;
  }
}

/** True for a lazy module's parameter that has no shape yet. Example: `isUninitialized(lin.weight)`. */
export function isUninitialized(t: unknown): t is UninitializedParameter {
  return t instanceof UninitializedParameter;
}

type Writable = {
  storage: Storage;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
};

/**
 * PyTorch's `t.data = value`: makes `t` view `value`'s data (shape and dtype included) while
 * keeping its identity, so optimizers and other holders of `t` see the change. Used by
 * `Module.to(dtype)` and lazy materialisation. Example: `setData(p, p.double())`.
 */
export function setData(t: Tensor, value: Tensor): void {
  if (t.gradFn !== null) throw new Error("setData: only leaf tensors can have their data replaced");
  const w = t as unknown as Writable;
  w.storage = value.storage;
  w.shape = value.shape;
  w.strides = value.strides;
  w.offset = value.offset;
}
