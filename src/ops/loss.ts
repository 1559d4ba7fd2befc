// Fused loss primitives: cross-entropy with class indices (the hot path of classification
// training, one backend kernel pair) and binary cross-entropy (PyTorch's clamped logs and its
// finite gradient at probabilities of exactly 0 or 1). The general losses live in nn/ and are
// composed of differentiable ops.
import { apply, definePrimitive } from "../autograd/function.js";
import { isGradEnabled } from "../autograd/grad-mode.js";
import { getBackend, type UnaryOp } from "../backend/index.js";
import { isFloating } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { abs, clamp, div, exp, log, log1p, minimum, mul, neg, sub } from "./elementwise.js";
import { oneHot } from "./indexing.js";
import { cast } from "./cast.js";
import { softmax } from "./softmax.js";
import { unsqueeze } from "./shape.js";
import { dense, empty, view, uninitialized } from "./util.js";

const CrossEntropy = definePrimitive<{ target: Tensor }>({
  name: "CrossEntropy",
  forward(ctx, [x], { target }) {
    const [N, C] = x.shape;
    const logits = dense(x);
    const loss = uninitialized([N], x.dtype);
    const logSoftmax = uninitialized([N, C], x.dtype);
    getBackend().crossEntropy(
      logits.storage.data,
      dense(target).storage.data as Int32Array,
      N,
      C,
      loss.storage.data,
      logSoftmax.storage.data,
    );
    ctx.save(x, logSoftmax);
    return loss;
  },
  // d loss_i / d x_ij = softmax_ij - [j == target_i]
  backward: (g, ctx, { target }) => {
    const [x, logSoftmax] = ctx.saved("crossEntropy");
    const [N, C] = x.shape;
    if (isGradEnabled()) {
      const hot = cast(oneHot(target, C), x.dtype);
      return [mul(unsqueeze(g, 1), sub(softmax(x, 1), hot))];
    }
    const gradIn = uninitialized([N, C], x.dtype);
    getBackend().crossEntropyBackward(
      logSoftmax.storage.data,
      dense(target).storage.data as Int32Array,
      dense(g).storage.data,
      gradIn.storage.data,
      N,
      C,
    );
    return [gradIn];
  },
});

/**
 * Per-sample cross-entropy `-log softmax(logits)[i, target[i]]` of `logits [N, C]` and int32
 * class indices `target [N]`, each in [0, C), as one fused kernel. Example:
 * `nb.crossEntropyPerSample(logits, labels).mean()`.
 */
export function crossEntropyPerSample(logits: Tensor, target: Tensor): Tensor {
  if (logits.ndim !== 2 || target.ndim !== 1 || target.shape[0] !== logits.shape[0])
    throw new Error(
      `crossEntropyPerSample: expected logits [N, C] and target [N], got ${fmtShape(logits.shape)} and ${fmtShape(target.shape)}`,
    );
  if (target.dtype !== "int32")
    throw new TypeError(`crossEntropyPerSample: target must be int32, got ${target.dtype}`);
  const C = logits.shape[1];
  const t = dense(target).storage.data as Int32Array;
  for (let i = 0; i < t.length; i++) {
    if (t[i] < 0 || t[i] >= C)
      throw new RangeError(
        `crossEntropyPerSample: target ${t[i]} (sample ${i}) is out of bounds for ${C} classes`,
      );
  }
  const x = isFloating(logits.dtype) ? logits : cast(logits, "float32");
  return apply(CrossEntropy, [x], { target });
}

// One elementwise kernel on a fresh output (the forward of a primitive calls kernels, not ops).
function k1(op: UnaryOp, x: Tensor, p = 0): Tensor {
  const out = empty(x.shape, x.dtype);
  getBackend().unary(op, view(x), out.storage.data, p);
  return out;
}

function k2(op: "add" | "sub" | "mul", a: Tensor, b: Tensor): Tensor {
  const out = empty(a.shape, a.dtype);
  getBackend().binary(op, view(a), view(b), out.storage.data, a.shape);
  return out;
}

// max(log(x), -100) and max(log(1 - x), -100), as PyTorch clamps them.
function clampedLogs(x: Tensor): [Tensor, Tensor] {
  return [k1("clampMin", k1("log", x), -100), k1("clampMin", k1("log1p", k1("neg", x)), -100)];
}

const BinaryCrossEntropy = definePrimitive({
  name: "BinaryCrossEntropy",
  forward(ctx, [x, y]) {
    ctx.save(x, y);
    const [logX, log1mX] = clampedLogs(x);
    // -(y log x + (1 - y) log(1 - x)) = -(log(1 - x) + y (log x - log(1 - x)))
    return k1("neg", k2("add", log1mX, k2("mul", y, k2("sub", logX, log1mX))));
  },
  // d/dx = (x - y) / max(x (1 - x), 1e-12); d/dy = log(1 - x) - log(x), as PyTorch's rules.
  backward: (g, ctx, _a, needs) => {
    const [x, y] = ctx.saved("binaryCrossEntropy");
    const gx = needs[0] ? div(mul(g, sub(x, y)), clamp(mul(x, sub(1, x)), 1e-12)) : null;
    const gy = needs[1] ? mul(g, sub(clamp(log1p(neg(x)), -100), clamp(log(x), -100))) : null;
    return [gx, gy];
  },
});

/**
 * Elementwise binary cross-entropy of probabilities `x` and targets `y` of the same shape, with
 * the logs clamped at -100 as PyTorch does. Example: `nb.binaryCrossEntropyElementwise(p, y)`.
 */
export function binaryCrossEntropyElementwise(x: Tensor, y: Tensor): Tensor {
  if (x.ndim !== y.ndim || x.shape.some((s, i) => s !== y.shape[i]))
    throw new Error(
      `binaryCrossEntropy: target shape ${fmtShape(y.shape)} must equal input shape ${fmtShape(x.shape)}`,
    );
  if (!isFloating(x.dtype))
    throw new TypeError(`binaryCrossEntropy: input must be floating point, got ${x.dtype}`);
  const target = y.dtype === x.dtype ? y : cast(y, x.dtype);
  return apply(BinaryCrossEntropy, [x, target], undefined);
}

/** log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), finite for any x. Example: `nb.logSigmoid(x)`. */
export function logSigmoid(x: Tensor): Tensor {
  return sub(minimum(x, 0), log1p(exp(neg(abs(x)))));
}
