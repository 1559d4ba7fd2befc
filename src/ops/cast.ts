import { apply, definePrimitive } from "../autograd/function.js";
import { getBackend } from "../backend/index.js";
import type { DType } from "../tensor/dtype.js";
import { checkDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { view, uninitialized } from "./util.js";

const Cast = definePrimitive<{ dtype: DType }>({
  name: "To",
  forward(ctx, [x], { dtype }) {
    ctx.extra.inputDType = x.dtype;
    const out = uninitialized(x.shape, dtype);
    getBackend().copy(view(x), out.storage.data);
    return out;
  },
  // d(cast x)/dx = 1: the gradient goes back in the input's dtype.
  backward: (gradOut, ctx) => [cast(gradOut, ctx.extra.inputDType as DType)],
});

/** Converts to another dtype (a copy; `t` itself when the dtype already matches). Example: `x.to("float64")`. */
export function cast(t: Tensor, dtype: DType): Tensor {
  checkDType("to", dtype);
  if (t.dtype === dtype) return t;
  return apply(Cast, [t], { dtype });
}
