// Installs the op families as Tensor methods (`x.add(y)`), so that tensor/ never imports ops/.
import { getBackend } from "../backend/index.js";
import type { DType } from "../tensor/dtype.js";
import { checkDType } from "../tensor/dtype.js";
import { device as parseDevice, type Device } from "../tensor/storage.js";
import { Tensor } from "../tensor/tensor.js";
import { cast } from "./cast.js";
import * as ew from "./elementwise.js";
import * as ix from "./indexing.js";
import * as ip from "./inplace.js";
import * as mm from "./matmul.js";
import * as rd from "./reduce.js";
import * as sh from "./shape.js";
import * as sl from "./slicing.js";
import * as sm from "./softmax.js";
import * as tr from "./triangular.js";
import type { TensorLike } from "./util.js";

type T = Tensor;
type L = TensorLike;

declare module "../tensor/tensor.js" {
  interface Tensor {
    add(other: L, alpha?: number): T;
    sub(other: L, alpha?: number): T;
    mul(other: L): T;
    div(other: L): T;
    pow(exponent: L): T;
    neg(): T;
    reciprocal(): T;
    exp(): T;
    log(): T;
    log1p(): T;
    expm1(): T;
    sqrt(): T;
    rsqrt(): T;
    abs(): T;
    sign(): T;
    square(): T;
    sin(): T;
    cos(): T;
    tanh(): T;
    sigmoid(): T;
    relu(): T;
    floor(): T;
    ceil(): T;
    round(): T;
    erf(): T;
    clamp(min?: number | null, max?: number | null): T;
    maximum(other: L): T;
    minimum(other: L): T;
    remainder(other: L): T;
    eq(other: L): T;
    ne(other: L): T;
    lt(other: L): T;
    le(other: L): T;
    gt(other: L): T;
    ge(other: L): T;
    isnan(): T;
    isfinite(): T;
    logicalAnd(other: L): T;
    logicalOr(other: L): T;
    logicalXor(other: L): T;
    logicalNot(): T;
    where(cond: T, other: L): T;
    sum(dim?: rd.Dims, keepdim?: boolean): T;
    mean(dim?: rd.Dims, keepdim?: boolean): T;
    prod(dim?: rd.Dims, keepdim?: boolean): T;
    amax(dim?: rd.Dims, keepdim?: boolean): T;
    amin(dim?: rd.Dims, keepdim?: boolean): T;
    max(): T;
    max(dim: number, keepdim?: boolean): rd.ValuesIndices;
    min(): T;
    min(dim: number, keepdim?: boolean): rd.ValuesIndices;
    argmax(dim?: number, keepdim?: boolean): T;
    argmin(dim?: number, keepdim?: boolean): T;
    var(opts?: rd.VarOptions): T;
    std(opts?: rd.VarOptions): T;
    logsumexp(dim: rd.Dims, keepdim?: boolean): T;
    norm(p?: number | "fro", dim?: rd.Dims, keepdim?: boolean): T;
    cumsum(dim: number): T;
    matmul(other: T): T;
    mm(other: T): T;
    bmm(other: T): T;
    mv(other: T): T;
    dot(other: T): T;
    outer(other: T): T;
    softmax(dim: number): T;
    logSoftmax(dim: number): T;
    reshape(...shape: (number | readonly number[])[]): T;
    view(...shape: (number | readonly number[])[]): T;
    flatten(startDim?: number, endDim?: number): T;
    unflatten(dim: number, sizes: readonly number[]): T;
    squeeze(dim?: number | readonly number[]): T;
    unsqueeze(dim: number): T;
    transpose(dim0: number, dim1: number): T;
    permute(...dims: (number | readonly number[])[]): T;
    /** The transpose of a 2-D tensor (all dims reversed, as PyTorch's `.T`). */
    readonly T: T;
    /** Transposes the last two dims. */
    readonly mT: T;
    t(): T;
    expand(...shape: (number | readonly number[])[]): T;
    expandAs(other: T): T;
    broadcastTo(shape: readonly number[]): T;
    contiguous(): T;
    clone(): T;
    narrow(dim: number, start: number, length: number): T;
    select(dim: number, index: number): T;
    split(size: number | readonly number[], dim?: number): T[];
    chunk(chunks: number, dim?: number): T[];
    repeat(...repeats: (number | readonly number[])[]): T;
    tile(reps: readonly number[]): T;
    flip(dims: number | readonly number[]): T;
    tril(diagonal?: number): T;
    triu(diagonal?: number): T;
    gather(dim: number, index: T): T;
    scatter(dim: number, index: T, src: T | number): T;
    scatterAdd(dim: number, index: T, src: T): T;
    indexSelect(dim: number, index: T | readonly number[]): T;
    maskedFill(mask: T, value: number): T;
    get(...indices: sl.Index[]): T;
    set(...args: [...indices: sl.Index[], value: T | number | boolean]): T;
    add_(other: L, alpha?: number): T;
    sub_(other: L, alpha?: number): T;
    mul_(other: L): T;
    div_(other: L): T;
    clamp_(min?: number | null, max?: number | null): T;
    zero_(): T;
    fill_(value: number | boolean): T;
    copy_(src: T): T;
    normal_(mean?: number, std?: number): T;
    uniform_(low?: number, high?: number): T;
    /** Casts to a dtype, or moves to a device. Example: `x.to("float64")`, `x.to(nb.tryGpu())`. */
    to(target: DType | Device | string): T;
    float(): T;
    double(): T;
    int(): T;
    bool(): T;
    /** The backend holding this tensor's data. */
    readonly backendName: string;
  }
}

const P = Tensor.prototype as any;
const shapeArgs = (args: (number | readonly number[])[]): number[] =>
  args.length === 1 && Array.isArray(args[0]) ? (args[0] as number[]).slice() : (args as number[]);

// Elementwise and reductions: method(this, ...args) forwards to the function of the same name.
const forward = (fns: Record<string, (...args: any[]) => unknown>, names: string[]) => {
  for (const name of names)
    P[name] = function (this: T, ...args: unknown[]) {
      return fns[name](this, ...args);
    };
};
forward(ew as any, [
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "neg",
  "reciprocal",
  "exp",
  "log",
  "log1p",
  "expm1",
  "sqrt",
  "rsqrt",
  "abs",
  "sign",
  "square",
  "sin",
  "cos",
  "tanh",
  "sigmoid",
  "relu",
  "floor",
  "ceil",
  "round",
  "erf",
  "clamp",
  "maximum",
  "minimum",
  "remainder",
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
  "isnan",
  "isfinite",
  "logicalAnd",
  "logicalOr",
  "logicalXor",
  "logicalNot",
]);
forward(rd as any, [
  "sum",
  "mean",
  "prod",
  "amax",
  "amin",
  "max",
  "min",
  "argmax",
  "argmin",
  "logsumexp",
  "norm",
  "cumsum",
  "std",
]);
forward(mm as any, ["matmul", "mm", "bmm", "mv", "dot", "outer"]);
forward(sm as any, ["softmax", "logSoftmax"]);
forward(sh as any, [
  "flatten",
  "unflatten",
  "squeeze",
  "unsqueeze",
  "transpose",
  "contiguous",
  "clone",
  "narrow",
  "select",
  "split",
  "chunk",
  "tile",
  "flip",
]);
forward(ix as any, ["gather", "scatter", "scatterAdd", "indexSelect", "maskedFill"]);
forward(sl as any, ["get", "set"]);
forward(ip as any, [
  "add_",
  "sub_",
  "mul_",
  "div_",
  "clamp_",
  "zero_",
  "fill_",
  "copy_",
  "normal_",
  "uniform_",
]);

P.var = function (this: T, opts?: rd.VarOptions) {
  return rd.variance(this, opts);
};
P.where = function (this: T, cond: T, other: L) {
  return ew.where(cond, this, other);
};
P.reshape = function (this: T, ...shape: (number | readonly number[])[]) {
  return sh.reshape(this, shapeArgs(shape));
};
P.view = function (this: T, ...shape: (number | readonly number[])[]) {
  return sh.viewAs(this, shapeArgs(shape));
};
P.permute = function (this: T, ...dims: (number | readonly number[])[]) {
  return sh.permute(this, shapeArgs(dims));
};
P.expand = function (this: T, ...shape: (number | readonly number[])[]) {
  return sh.expand(this, shapeArgs(shape));
};
P.repeat = function (this: T, ...reps: (number | readonly number[])[]) {
  return sh.repeat(this, shapeArgs(reps));
};
P.expandAs = function (this: T, other: T) {
  return sh.expand(this, other.shape);
};
P.broadcastTo = function (this: T, shape: readonly number[]) {
  return sh.expand(this, shape);
};
P.t = function (this: T) {
  if (this.ndim > 2)
    throw new Error(`t: expects a tensor with <= 2 dims, got shape [${this.shape}]`);
  return this.ndim < 2 ? this : sh.transpose(this, 0, 1);
};
P.tril = function (this: T, diagonal = 0) {
  return tr.tril(this, diagonal);
};
P.triu = function (this: T, diagonal = 0) {
  return tr.triu(this, diagonal);
};
Object.defineProperty(P, "T", {
  get(this: T) {
    return sh.permute(
      this,
      this.shape.map((_, i) => this.ndim - 1 - i),
    );
  },
});
Object.defineProperty(P, "mT", {
  get(this: T) {
    if (this.ndim < 2)
      throw new Error(`mT: expects a tensor with >= 2 dims, got shape [${this.shape}]`);
    return sh.transpose(this, -2, -1);
  },
});
Object.defineProperty(P, "backendName", {
  get() {
    return getBackend().name;
  },
});
P.to = function (this: T, target: DType | Device | string) {
  if (
    typeof target === "string" &&
    (target === "float32" || target === "float64" || target === "int32" || target === "bool")
  ) {
    return cast(this, checkDType("to", target));
  }
  // Anything that does not look like a device name is reported as an unknown dtype.
  if (typeof target === "string" && !/^(cpu|cuda|gpu|mps)(:\d+)?$/.test(target))
    checkDType("to", target);
  parseDevice(target as string | Device);
  return this;
};
P.float = function (this: T) {
  return cast(this, "float32");
};
P.double = function (this: T) {
  return cast(this, "float64");
};
P.int = function (this: T) {
  return cast(this, "int32");
};
P.bool = function (this: T) {
  return cast(this, "bool");
};
