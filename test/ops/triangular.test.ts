// tril and triu: values for any diagonal, batched inputs, dtypes, errors and gradients.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertThrowsWith, gradcheckTable, leaf } from "../helpers.js";

test("tril and triu keep a triangle of the last two dims", () => {
  const sq = nb.arange(1, 10).reshape(3, 3);
  assert.deepEqual(nb.tril(sq).toArray(), [
    [1, 0, 0],
    [4, 5, 0],
    [7, 8, 9],
  ]);
  assert.deepEqual(sq.triu(1).toArray(), [
    [0, 2, 3],
    [0, 0, 6],
    [0, 0, 0],
  ]);
  assert.deepEqual(sq.tril(-1).toArray(), [
    [0, 0, 0],
    [4, 0, 0],
    [7, 8, 0],
  ]);
  assert.deepEqual(nb.ones([2, 2, 3]).triu().sum().item(), 10);
  assert.equal(nb.tril(nb.ones([2, 2], { dtype: "int32" })).dtype, "int32");
  assertThrowsWith(() => nb.tril(nb.ones([3])), "tril", ">= 2 dims", "[3]");
});

gradcheckTable("triangular", [
  { name: "tril", fn: (x) => nb.tril(x).exp(), inputs: () => [leaf([3, 3])] },
  {
    name: "triu diagonal 1",
    fn: (x) => nb.triu(x, 1).square(),
    inputs: () => [leaf([2, 3, 3], "transposed")],
  },
]);
