// gradcheck in float64 for every differentiable elementwise op, on contiguous, transposed, sliced
// and 0-d inputs, and on broadcast pairs with size-1 dims.
import * as nb from "nabla";
import { type GradcheckCase, gradcheckTable, type Layout, leaf } from "../helpers.js";

type Unary = (x: nb.Tensor) => nb.Tensor;

const unaryOps: [string, Unary, { positive?: boolean }?][] = [
  ["neg", (x) => x.neg()],
  ["reciprocal", (x) => x.reciprocal()],
  ["exp", (x) => x.exp()],
  ["log", (x) => x.log(), { positive: true }],
  ["log1p", (x) => x.log1p(), { positive: true }],
  ["expm1", (x) => x.expm1()],
  ["sqrt", (x) => x.sqrt(), { positive: true }],
  ["rsqrt", (x) => x.rsqrt(), { positive: true }],
  ["abs", (x) => x.abs()],
  ["sign", (x) => x.sign()],
  ["square", (x) => x.square()],
  ["sin", (x) => x.sin()],
  ["cos", (x) => x.cos()],
  ["tanh", (x) => x.tanh()],
  ["sigmoid", (x) => x.sigmoid()],
  ["relu", (x) => x.relu()],
  ["leakyRelu", (x) => nb.leakyRelu(x, 0.1)],
  ["elu", (x) => nb.elu(x, 0.7)],
  ["gelu", (x) => nb.gelu(x)],
  ["silu", (x) => nb.silu(x)],
  ["softplus", (x) => nb.softplus(x)],
  ["softplus beta 2", (x) => nb.softplus(x, 2)],
  ["erf", (x) => x.erf()],
  ["clamp", (x) => x.clamp(-0.9, 0.9)],
  ["clamp min only", (x) => x.clamp(0.2)],
  ["clamp max only", (x) => x.clamp(null, 0.2)],
  ["pow 3", (x) => x.pow(3)],
  ["pow 2.5", (x) => x.pow(2.5), { positive: true }],
  ["pow -1.5", (x) => x.pow(-1.5), { positive: true }],
  ["pow 0", (x) => x.pow(0)],
];

const layouts: [Layout, number[]][] = [
  ["contiguous", [2, 3]],
  ["transposed", [3, 2]],
  ["sliced", [2, 4]],
  ["contiguous", []],
];

const unaryCases: GradcheckCase[] = unaryOps.flatMap(([name, fn, opts]) =>
  layouts.map(([layout, shape]): GradcheckCase => ({
    name: `${name} ${layout} [${shape}]`,
    fn,
    inputs: () => [leaf(shape, layout, opts)],
  })),
);
gradcheckTable("unary", unaryCases);

type Binary = (a: nb.Tensor, b: nb.Tensor) => nb.Tensor;
const binaryOps: [string, Binary, { positive?: boolean }?][] = [
  ["add", (a, b) => a.add(b)],
  ["add alpha", (a, b) => nb.add(a, b, 2.5)],
  ["sub", (a, b) => a.sub(b)],
  ["sub alpha", (a, b) => nb.sub(a, b, -0.5)],
  ["mul", (a, b) => a.mul(b)],
  ["div", (a, b) => a.div(b)],
  ["pow", (a, b) => a.pow(b), { positive: true }],
  ["maximum", (a, b) => nb.maximum(a, b)],
  ["minimum", (a, b) => nb.minimum(a, b)],
  ["atan2", (a, b) => nb.atan2(a, b)],
  ["where", (a, b) => nb.where(a.gt(b), a, b.mul(3))],
];

// Pairs of shapes and layouts, including size-1 dims broadcast against larger ones.
const pairs: [number[], Layout, number[], Layout][] = [
  [[2, 3], "contiguous", [2, 3], "contiguous"],
  [[3, 1], "contiguous", [1, 4], "contiguous"],
  [[2, 3], "transposed", [3], "sliced"],
  [[], "contiguous", [2, 2], "sliced"],
  [[2, 1, 3], "contiguous", [4, 1], "transposed"],
];

const binaryCases: GradcheckCase[] = binaryOps.flatMap(([name, fn, opts]) =>
  pairs.map(([sa, la, sb, lb]): GradcheckCase => ({
    name: `${name} ${la} [${sa}] with ${lb} [${sb}]`,
    fn,
    inputs: () => [leaf(sa, la, opts), leaf(sb, lb, opts)],
  })),
);
gradcheckTable("binary", binaryCases);

gradcheckTable("mixed", [
  {
    name: "scalar operands on both sides",
    fn: (x) => nb.sub(2, x).mul(3).div(nb.add(x.square(), 1)).pow(2),
    inputs: () => [leaf([3], "sliced")],
  },
  {
    name: "a float tensor with a JS number (the scalar nodes), on each side, transposed",
    fn: (x) =>
      nb
        .mul(-1.5, nb.add(2, x.mul(0.75).add(-3).sub(0.25).mul(x)))
        .sub(1, 2)
        .div(-0.3),
    inputs: () => [leaf([2, 3], "transposed")],
  },
  {
    name: "remainder (away from the jumps)",
    fn: (x) => nb.remainder(x, 7),
    inputs: () => [leaf([4], "contiguous", { positive: true })],
  },
  {
    name: "only the second input requires grad",
    fn: (a, b) => a.mul(b).exp(),
    inputs: () => [leaf([2, 2]).detach(), leaf([2, 2], "transposed")],
  },
]);
