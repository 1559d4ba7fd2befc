import { isGradEnabled, noGrad } from "../autograd/grad-mode.js";
import { getBackend } from "../backend/index.js";
import { normal, storedValue, uniform } from "../tensor/creation.js";
import { isFloating } from "../tensor/dtype.js";
import { broadcastShapes, broadcastStrides, fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { add, clamp, div, mul, sub } from "./elementwise.js";
import { clone } from "./shape.js";
import type { TensorLike } from "./util.js";
import { view, viewWith } from "./util.js";

/** Writes `value` into `target` (a tensor or a view of one), broadcasting, and bumps its version. */
export function writeInto(op: string, target: Tensor, value: Tensor, allowCast = false): void {
  const shape = broadcastShapes(op, target.shape, value.shape);
  if (shape.length !== target.ndim || shape.some((s, i) => s !== target.shape[i])) {
    throw new Error(
      `${op}: a value of shape ${fmtShape(value.shape)} cannot be written into shape ${fmtShape(target.shape)}`,
    );
  }
  if (!allowCast && isFloating(value.dtype) && !isFloating(target.dtype)) {
    throw new TypeError(
      `${op}: result type ${value.dtype} can't be cast to the destination's dtype ${target.dtype}`,
    );
  }
  getBackend().assign(
    view(target),
    viewWith(value, shape, broadcastStrides(value.shape, value.strides, shape)),
  );
  target.storage.version++;
}

/**
 * Runs an in-place update `self = fn(self)`, where `others` are the other operands. Without grad
 * tracking it simply overwrites the data. When the update must be recorded (self requires grad,
 * or an operand does) it rebases the history as PyTorch does: `fn` runs on a clone of the old
 * value, so the new node's saved tensors are not the ones being overwritten, and `self` takes the
 * new node. Nodes that saved `self` itself see its version change and refuse to run backward.
 */
export function inplace(
  op: string,
  self: Tensor,
  others: readonly TensorLike[],
  fn: (current: Tensor) => Tensor,
): Tensor {
  const record =
    isGradEnabled() &&
    (self.requiresGrad || others.some((o) => o instanceof Tensor && o.requiresGrad));
  if (!record) {
    writeInto(
      op,
      self,
      noGrad(() => fn(self)),
    );
    return self;
  }
  if (self.requiresGrad && self.isLeaf) {
    throw new Error(
      `${op}: a leaf tensor that requires grad (shape ${fmtShape(self.shape)}) is being used in an in-place operation; wrap it in nb.noGrad(() => ...) or use the out-of-place op`,
    );
  }
  if (self.base !== null && (self.base.requiresGrad || !self.requiresGrad)) {
    throw new Error(
      `${op}: in-place changes that autograd must record are not supported on a view (shape ${fmtShape(self.shape)}); use the out-of-place op`,
    );
  }
  const result = fn(clone(self));
  writeInto(op, self, result);
  self.gradFn = result.gradFn;
  self.setRequiresGradUnchecked(true);
  return self;
}

/** In place `self += alpha * other`. Example: `x.add_(1)`. */
export const add_ = (self: Tensor, other: TensorLike, alpha = 1): Tensor =>
  inplace("add_", self, [other], (cur) => add(cur, other, alpha));
/** In place `self -= alpha * other`. Example: `w.sub_(g.mul(lr))`. */
export const sub_ = (self: Tensor, other: TensorLike, alpha = 1): Tensor =>
  inplace("sub_", self, [other], (cur) => sub(cur, other, alpha));
/** In place `self *= other`. Example: `x.mul_(0.5)`. */
export const mul_ = (self: Tensor, other: TensorLike): Tensor =>
  inplace("mul_", self, [other], (cur) => mul(cur, other));
/** In place `self /= other`. Example: `x.div_(2)`. */
export const div_ = (self: Tensor, other: TensorLike): Tensor =>
  inplace("div_", self, [other], (cur) => div(cur, other));
/** In place clamp. Example: `x.clamp_(0, 1)`. */
export const clamp_ = (self: Tensor, min?: number | null, max?: number | null): Tensor =>
  inplace("clamp_", self, [], (cur) => clamp(cur, min, max));

// Writes that replace every value. On a recorded non-leaf the result still joins the graph (with a
// zero gradient to the old value), so the tensor keeps requiring grad as in PyTorch.
function overwrite(op: string, self: Tensor, value: Tensor, allowCast = false): Tensor {
  if (isGradEnabled() && (self.requiresGrad || value.requiresGrad)) {
    return inplace(op, self, [value], (cur) => add(mul(cur, 0), value));
  }
  writeInto(op, self, value, allowCast);
  return self;
}

/** Sets every element to 0. Example: `x.grad.zero_()`. */
export function zero_(self: Tensor): Tensor {
  return overwrite("zero_", self, Tensor.fromArray(getBackend().alloc(self.dtype, 1), []));
}
/** Sets every element to `value`. Example: `x.fill_(7)`. */
export function fill_(self: Tensor, value: number | boolean): Tensor {
  const v = Tensor.fromArray(getBackend().alloc(self.dtype, 1), []);
  v.storage.data[0] = storedValue("fill_", value, self.dtype);
  return overwrite("fill_", self, v);
}
/** Copies `src` (broadcast) into `self`. Example: `w.copy_(nb.zeros([3]))`. */
export function copy_(self: Tensor, src: Tensor): Tensor {
  return overwrite("copy_", self, src, true);
}
/** Fills with normal samples. Example: `w.normal_(0, 0.01)`. */
export function normal_(self: Tensor, mean = 0, std = 1): Tensor {
  return overwrite("normal_", self, normal(mean, std, self.shape.slice(), { dtype: self.dtype }));
}
/** Fills with uniform samples in [low, high). Example: `w.uniform_(-0.1, 0.1)`. */
export function uniform_(self: Tensor, low = 0, high = 1): Tensor {
  return overwrite("uniform_", self, uniform(low, high, self.shape.slice(), { dtype: self.dtype }));
}
