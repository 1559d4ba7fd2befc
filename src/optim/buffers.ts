// The typed arrays that the optimiser kernels update in place (internal to optim/).
import { noGrad } from "../autograd/grad-mode.js";
import { getBackend } from "../backend/index.js";
import { dense } from "../ops/util.js";
import type { TypedArray } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * The contiguous data of a parameter for an in-place kernel, and a function that writes it back
 * (a no-op when the kernel already wrote into the parameter's own storage).
 */
export function paramData(p: Tensor): [TypedArray, () => void] {
  const d = dense(p);
  if (d === p) return [p.storage.data, () => p.storage.version++];
  return [d.storage.data, () => noGrad(() => p.copy_(d))];
}

/** The contiguous data of a gradient (copied when it is a strided or broadcast view). */
export function gradData(p: Tensor): TypedArray {
  const g = p.grad;
  if (g === null) throw new Error("optimizer: parameter has no gradient");
  if (g.dtype !== p.dtype)
    throw new TypeError(
      `optimizer: gradient dtype ${g.dtype} differs from the parameter's ${p.dtype}`,
    );
  return dense(g).storage.data;
}

/** A zero tensor shaped like `p` (a fresh state buffer). */
export function zerosLikeParam(p: Tensor): Tensor {
  return Tensor.fromArray(getBackend().alloc(p.dtype, p.numel()), p.shape.slice());
}

/** The dense data of a state buffer (always created contiguous here). */
export function bufData(t: Tensor): TypedArray {
  return t.storage.data;
}
