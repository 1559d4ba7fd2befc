// Every error that issue 2 lists, each checked by message: it names the op and what broke it.
import { test } from "node:test";
import * as nb from "nabla";
import { assertThrowsWith } from "../helpers.js";

const errors: [string, () => unknown, string[]][] = [
  [
    "broadcast mismatch",
    () => nb.ones([2, 3]).add(nb.ones([2])),
    ["add: shapes [2,3] and [2] cannot be broadcast"],
  ],
  [
    "matmul mismatch",
    () => nb.matmul(nb.ones([2, 3]), nb.ones([4, 5])),
    ["matmul: shapes [2,3] and [4,5] cannot be multiplied (3 != 4)"],
  ],
  [
    "cat mismatch",
    () => nb.cat([nb.ones([2, 3]), nb.ones([2, 4])]),
    ["cat: sizes of tensors must match except in dim 0", "[2,4]", "[2,3]"],
  ],
  [
    "out-of-range dim",
    () => nb.ones([2, 3]).sum(2),
    ["sum: dim 2 is out of range for a tensor of 2 dims"],
  ],
  [
    "out-of-range negative dim",
    () => nb.ones([2, 3]).softmax(-3),
    ["softmax: dim -3 is out of range"],
  ],
  [
    "grad on an integer tensor",
    () => nb.tensor([1, 2], { dtype: "int32" }).requiresGrad_(),
    ["requiresGrad", "only floating-point tensors can require gradients", "int32"],
  ],
  [
    "backward twice without retainGraph",
    () => {
      const y = nb.ones([2], { requiresGrad: true }).exp().sum();
      y.backward();
      y.backward();
    },
    ["backward", "second time", "retainGraph"],
  ],
  [
    "backward on a non-scalar without a gradient",
    () => nb.ones([2], { requiresGrad: true }).mul(2).backward(),
    ["backward", "only for scalar outputs", "[2]"],
  ],
  [
    "in-place change to a saved tensor",
    () => {
      const x = nb.ones([2], { requiresGrad: true });
      const y = x.sigmoid();
      y.mul_(2);
      y.sum().backward();
    },
    ["backward", "modified by an in-place operation", "version"],
  ],
  [
    "ragged nested array",
    () =>
      nb.tensor([
        [1, 2, 3],
        [4, 5],
      ]),
    ["tensor: ragged nested array", "expected length 3", "[1]"],
  ],
];

for (const [name, fn, fragments] of errors) {
  test(`error: ${name}`, () => assertThrowsWith(fn, ...fragments));
}
