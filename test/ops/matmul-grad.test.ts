// gradcheck in float64 for matmul in all its NumPy forms, and mm/bmm/mv/dot/outer.
import * as nb from "nabla";
import { type GradcheckCase, gradcheckTable, type Layout, leaf } from "../helpers.js";

const cases: [number[], Layout, number[], Layout][] = [
  [[3], "contiguous", [3], "sliced"],
  [[3], "sliced", [3, 2], "contiguous"],
  [[2, 3], "contiguous", [3], "contiguous"],
  [[2, 3], "contiguous", [3, 4], "contiguous"],
  [[2, 3], "transposed", [3, 4], "transposed"],
  [[2, 3], "sliced", [3, 1], "contiguous"],
  [[1, 3], "contiguous", [3, 2], "sliced"],
  [[2, 2, 3], "contiguous", [2, 3, 2], "transposed"],
  [[2, 1, 2, 3], "contiguous", [3, 3, 2], "contiguous"],
  [[2, 2, 3], "transposed", [3, 2], "contiguous"],
  [[3], "contiguous", [2, 3, 2], "contiguous"],
  [[2, 2, 3], "sliced", [3], "contiguous"],
];

gradcheckTable(
  "matmul",
  cases.map(([sa, la, sb, lb]): GradcheckCase => ({
    name: `${la} [${sa}] @ ${lb} [${sb}]`,
    fn: (a, b) => nb.matmul(a, b),
    inputs: () => [leaf(sa, la), leaf(sb, lb)],
  })),
);

gradcheckTable("matmul family", [
  {
    name: "mm",
    fn: (a, b) => nb.mm(a, b),
    inputs: () => [leaf([2, 3]), leaf([3, 2], "transposed")],
  },
  {
    name: "bmm",
    fn: (a, b) => nb.bmm(a, b),
    inputs: () => [leaf([2, 2, 3], "sliced"), leaf([2, 3, 1])],
  },
  { name: "mv", fn: (a, v) => nb.mv(a, v), inputs: () => [leaf([2, 3], "transposed"), leaf([3])] },
  { name: "dot", fn: (a, b) => a.dot(b), inputs: () => [leaf([4], "sliced"), leaf([4])] },
  { name: "outer", fn: (a, b) => nb.outer(a, b), inputs: () => [leaf([3]), leaf([2], "sliced")] },
  { name: "x @ x (same input twice)", fn: (a) => a.matmul(a), inputs: () => [leaf([3, 3])] },
]);
