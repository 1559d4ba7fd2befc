import { apply, definePrimitive } from "../autograd/function.js";
import { isGradEnabled } from "../autograd/grad-mode.js";
import { getBackend } from "../backend/index.js";
import { isFloating } from "../tensor/dtype.js";
import { normDim } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { cast } from "./cast.js";
import { exp, mul, sub } from "./elementwise.js";
import { sum } from "./reduce.js";
import { dense, splitAt, uninitialized } from "./util.js";

function defineSoftmax(name: string, log: boolean) {
  return definePrimitive<{ dim: number }>({
    name,
    forward(ctx, [x], { dim }) {
      const [outer, size, inner] = splitAt(x.shape, dim);
      const out = uninitialized(x.shape, x.dtype);
      getBackend().softmax(dense(x).storage.data, outer, size, inner, out.storage.data, log);
      ctx.save(out);
      return out;
    },
    // softmax: dx = y (g - sum(g y)); log-softmax: dx = g - exp(y) sum(g).
    backward: (g, ctx, { dim }) => {
      const [y] = ctx.saved(name.toLowerCase());
      if (isGradEnabled()) {
        return log
          ? [sub(g, mul(exp(y), sum(g, dim, true)))]
          : [mul(y, sub(g, sum(mul(g, y), dim, true)))];
      }
      const [outer, size, inner] = splitAt(y.shape, dim);
      const gradIn = uninitialized(y.shape, y.dtype);
      getBackend().softmaxBackward(
        y.storage.data,
        dense(g).storage.data,
        outer,
        size,
        inner,
        gradIn.storage.data,
        log,
      );
      return [gradIn];
    },
  });
}

const Softmax = defineSoftmax("Softmax", false);
const LogSoftmax = defineSoftmax("LogSoftmax", true);

function floatInput(x: Tensor): Tensor {
  return isFloating(x.dtype) ? x : cast(x, "float32");
}

/** Softmax along `dim`, stabilised by the max. Example: `nb.softmax(logits, 1)`. */
export function softmax(x: Tensor, dim: number): Tensor {
  return apply(Softmax, [floatInput(x)], { dim: normDim("softmax", dim, x.ndim) });
}

/** log(softmax(x)) along `dim`, computed stably. Example: `nb.logSoftmax(logits, -1)`. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return apply(LogSoftmax, [floatInput(x)], { dim: normDim("logSoftmax", dim, x.ndim) });
}
