// The typed arrays that the optimiser kernels update in place (internal to optim/).
import { noGrad } from "../autograd/grad-mode.js";
import { getBackend } from "../backend/index.js";
import { dense } from "../ops/util.js";
import type { TypedArray } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * The contiguous data of each parameter for an in-place kernel (`data`), and `commit()`, which
 * writes back the ones that had to be copied and bumps the version of the others. One object per
 * call rather than a closure per parameter: the optimiser step runs once per training step, so V8
 * optimises it late, and plain loops keep that compile short. Example:
 * `const p = new ParamArrays(params); kernel(p.data, ...); p.commit();`
 */
export class ParamArrays {
  readonly data: TypedArray[] = [];
  readonly #params: readonly Tensor[];
  readonly #copies: (Tensor | null)[] = [];

  constructor(params: readonly Tensor[]) {
    this.#params = params;
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      const d = dense(p);
      this.data.push(d.storage.data);
      this.#copies.push(d === p ? null : d);
    }
  }

  commit(): void {
    for (let i = 0; i < this.#params.length; i++) {
      const p = this.#params[i]!;
      const copy = this.#copies[i]!;
      if (copy === null) p.storage.version++;
      else noGrad(() => p.copy_(copy));
    }
  }
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
