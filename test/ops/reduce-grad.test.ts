// gradcheck in float64 for reductions (dims as numbers, lists, negatives; keepdim), including
// non-adjacent dims and non-contiguous inputs.
import * as nb from "nabla";
import { type GradcheckCase, gradcheckTable, type Layout, leaf } from "../helpers.js";

type Reduce = (x: nb.Tensor) => nb.Tensor;
const reductions: [string, Reduce, number[], Layout][] = [
  ["sum all", (x) => x.sum(), [2, 3], "contiguous"],
  ["sum dim 1", (x) => x.sum(1), [2, 3], "transposed"],
  ["sum dims [0,2] keepdim", (x) => x.sum([0, 2], true), [2, 3, 2], "sliced"],
  ["sum dim -1", (x) => x.sum(-1), [3, 1], "contiguous"],
  ["mean all", (x) => x.mean(), [2, 3], "sliced"],
  ["mean dims [-1,0]", (x) => x.mean([-1, 0]), [2, 2, 3], "transposed"],
  ["prod dim 0", (x) => x.prod(0), [3, 2], "contiguous"],
  ["prod all transposed", (x) => x.prod(), [2, 2], "transposed"],
  [
    "prod with a zero",
    (x) => x.mul(nb.tensor([1, 0, 1], { dtype: "float64" })).prod(),
    [3],
    "contiguous",
  ],
  [
    "prod with two zeros",
    (x) => x.mul(nb.tensor([0, 0, 1], { dtype: "float64" })).prod(),
    [3],
    "contiguous",
  ],
  ["amax dim 1", (x) => x.amax(1), [3, 4], "transposed"],
  ["amin dims [0,2] keepdim", (x) => x.amin([0, 2], true), [2, 3, 2], "contiguous"],
  ["max all", (x) => x.max(), [2, 3], "sliced"],
  ["max dim values", (x) => x.max(1).values, [3, 4], "contiguous"],
  ["min dim keepdim values", (x) => x.min(0, true).values, [3, 2], "transposed"],
  ["var unbiased", (x) => x.var(), [2, 3], "contiguous"],
  [
    "var dim 1 biased keepdim",
    (x) => x.var({ dim: 1, unbiased: false, keepdim: true }),
    [2, 3],
    "sliced",
  ],
  ["std dim [0,2]", (x) => x.std({ dim: [0, 2] }), [2, 2, 3], "transposed"],
  ["logsumexp dim 1", (x) => x.logsumexp(1), [2, 3], "contiguous"],
  ["logsumexp dims [0,1] keepdim", (x) => x.logsumexp([0, 1], true), [2, 3], "transposed"],
  ["norm 2", (x) => x.norm(), [2, 3], "sliced"],
  ["norm 1 dim 0", (x) => x.norm(1, 0), [3, 2], "contiguous"],
  ["norm 3 dim -1", (x) => x.norm(3, -1), [2, 3], "transposed"],
  ["norm inf", (x) => x.norm(Infinity), [4], "contiguous"],
  ["cumsum dim 0", (x) => x.cumsum(0), [3, 2], "transposed"],
  ["cumsum dim -1", (x) => x.cumsum(-1), [2, 3], "sliced"],
];

gradcheckTable(
  "reduce",
  reductions.map(([name, fn, shape, layout]): GradcheckCase => ({
    name: `${name} ${layout} [${shape}]`,
    fn,
    inputs: () => [leaf(shape, layout)],
  })),
);

gradcheckTable("softmax", [
  { name: "softmax dim 1", fn: (x) => nb.softmax(x, 1), inputs: () => [leaf([2, 3])] },
  {
    name: "softmax dim 0 transposed",
    fn: (x) => nb.softmax(x, 0),
    inputs: () => [leaf([3, 2], "transposed")],
  },
  {
    name: "softmax dim -1 sliced 3-D",
    fn: (x) => nb.softmax(x, -1),
    inputs: () => [leaf([2, 2, 3], "sliced")],
  },
  { name: "logSoftmax dim 1", fn: (x) => nb.logSoftmax(x, 1), inputs: () => [leaf([2, 4])] },
  {
    name: "logSoftmax dim 0 transposed",
    fn: (x) => nb.logSoftmax(x, 0),
    inputs: () => [leaf([3, 2], "transposed")],
  },
  { name: "logSoftmax size-1 dim", fn: (x) => nb.logSoftmax(x, 1), inputs: () => [leaf([3, 1])] },
]);
