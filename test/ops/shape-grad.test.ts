// gradcheck in float64 for views, shape ops, indexing and the indexing ops.
import * as nb from "nabla";
import { gradcheckTable, leaf } from "../helpers.js";

const i32 = (v: number[] | number[][]) => nb.tensor(v, { dtype: "int32" });

gradcheckTable("views", [
  {
    name: "reshape -1",
    fn: (x) => x.reshape(-1, 2).mul(nb.arange(2, undefined, 1, { dtype: "float64" })),
    inputs: () => [leaf([2, 3], "transposed")],
  },
  { name: "view", fn: (x) => x.view([3, 2]).square(), inputs: () => [leaf([2, 3])] },
  { name: "flatten", fn: (x) => x.flatten(1).exp(), inputs: () => [leaf([2, 2, 2], "sliced")] },
  {
    name: "squeeze/unsqueeze",
    fn: (x) => x.squeeze(1).unsqueeze(0).mul(x.sum()),
    inputs: () => [leaf([3, 1])],
  },
  { name: "transpose", fn: (x) => x.transpose(0, 2).exp(), inputs: () => [leaf([2, 3, 2])] },
  {
    name: "permute",
    fn: (x) => x.permute(2, 0, 1).square(),
    inputs: () => [leaf([2, 3, 2], "transposed")],
  },
  { name: "T and mT", fn: (x) => x.T.mul(x.mT), inputs: () => [leaf([3, 3])] },
  { name: "expand", fn: (x) => x.expand(2, 3, -1).square(), inputs: () => [leaf([3, 1])] },
  {
    name: "expandAs / broadcastTo",
    fn: (x) => x.expandAs(nb.zeros([2, 3])).add(x.broadcastTo([4, 2, 3])),
    inputs: () => [leaf([1, 3])],
  },
  {
    name: "contiguous",
    fn: (x) => x.contiguous().square(),
    inputs: () => [leaf([2, 3], "transposed")],
  },
  { name: "narrow", fn: (x) => x.narrow(1, 1, 2).square(), inputs: () => [leaf([2, 4], "sliced")] },
  {
    name: "select negative",
    fn: (x) => x.select(0, -1).exp(),
    inputs: () => [leaf([3, 2], "transposed")],
  },
]);

gradcheckTable("indexing", [
  {
    name: "get slices with step",
    fn: (x) => x.get("1:, ::2").square(),
    inputs: () => [leaf([3, 5])],
  },
  {
    name: "get negative int and new axis",
    fn: (x) => x.get(-1, null, "...").exp(),
    inputs: () => [leaf([3, 2], "transposed")],
  },
  {
    name: "get integer array (repeats)",
    fn: (x) => x.get([2, 0, 2]).square(),
    inputs: () => [leaf([3, 2])],
  },
  { name: "get mask", fn: (x) => x.get(x.gt(0)).square(), inputs: () => [leaf([3, 3])] },
]);

gradcheckTable("joining", [
  {
    name: "cat dim 0",
    fn: (a, b) => nb.cat([a, b], 0).square(),
    inputs: () => [leaf([2, 3]), leaf([1, 3], "sliced")],
  },
  {
    name: "cat dim -1",
    fn: (a, b) => nb.cat([a, b, a], -1).exp(),
    inputs: () => [leaf([2, 2], "transposed"), leaf([2, 1])],
  },
  {
    name: "stack dim 1",
    fn: (a, b) => nb.stack([a, b], 1).square(),
    inputs: () => [leaf([2, 3]), leaf([2, 3], "transposed")],
  },
  {
    name: "split",
    fn: (x) => {
      const [a, b] = x.split([1, 2], 1);
      return a.mul(b.sum(1, true));
    },
    inputs: () => [leaf([2, 3])],
  },
  { name: "chunk", fn: (x) => x.chunk(2, 0)[1].exp(), inputs: () => [leaf([4, 2], "sliced")] },
  { name: "repeat", fn: (x) => x.repeat(2, 1, 3).square(), inputs: () => [leaf([2, 2])] },
  { name: "tile", fn: (x) => x.tile([2]).square(), inputs: () => [leaf([2, 2], "transposed")] },
  {
    name: "flip",
    fn: (x) => x.flip([0, 1]).mul(nb.arange(6, undefined, 1, { dtype: "float64" }).reshape(2, 3)),
    inputs: () => [leaf([2, 3], "transposed")],
  },
  {
    name: "pad",
    fn: (x) => nb.pad(x, [1, 2, 0, 1], 0.5).square(),
    inputs: () => [leaf([2, 2], "sliced")],
  },
]);

gradcheckTable("indexing ops", [
  {
    name: "gather dim 1",
    fn: (x) =>
      x.gather(
        1,
        i32([
          [0, 2, 2],
          [1, 0, 0],
        ]),
      ),
    inputs: () => [leaf([2, 3], "transposed")],
  },
  {
    name: "gather dim 0 smaller index",
    fn: (x) => x.gather(0, i32([[1], [0]])).square(),
    inputs: () => [leaf([2, 3])],
  },
  {
    name: "scatterAdd",
    fn: (x, s) =>
      x
        .scatterAdd(
          0,
          i32([
            [1, 0],
            [1, 1],
          ]),
          s,
        )
        .square(),
    inputs: () => [leaf([2, 2]), leaf([2, 2], "sliced")],
  },
  {
    name: "scatter",
    fn: (x, s) =>
      x
        .scatter(
          1,
          i32([
            [2, 0],
            [1, 2],
          ]),
          s,
        )
        .square(),
    inputs: () => [leaf([2, 3], "transposed"), leaf([2, 2])],
  },
  {
    name: "scatter scalar",
    fn: (x) => x.scatter(1, i32([[2], [0]]), 0.5).exp(),
    inputs: () => [leaf([2, 3])],
  },
  {
    name: "indexSelect",
    fn: (x) => x.indexSelect(1, [2, -1, 0]).square(),
    inputs: () => [leaf([2, 3], "sliced")],
  },
  {
    name: "maskedFill",
    fn: (x) => x.maskedFill(x.lt(0), 2).square(),
    inputs: () => [leaf([3, 2], "transposed")],
  },
]);
