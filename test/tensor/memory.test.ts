// Tensor allocations beyond the machine's memory fail with an error naming the op, the shape and
// the bytes against the limit, before any memory is touched (instead of filling until the OS
// kills the process).
import assert from "node:assert/strict";
import { totalmem } from "node:os";
import { after, before, test } from "node:test";
import * as nb from "nabla";
import { forEachBackend } from "../ops/backends.js";
import { assertThrowsWith } from "../helpers.js";

test("nabla starts with the machine's memory as the limit, and a 4 TiB tensor is refused", () => {
  const limit = nb.getMemoryLimit();
  assert.ok(limit !== null);
  assert.ok(limit.totalBytes > 0 && limit.totalBytes <= totalmem());
  assert.ok(typeof limit.availableBytes === "function");
  assertThrowsWith(
    () => nb.ones([1 << 20, 1 << 20]),
    "ones: a float32 tensor of shape [1048576,1048576] needs 4 TiB (4398046511104 bytes)",
    `more than this machine's memory`,
    `${limit.totalBytes} bytes`,
  );
  // One element over the machine's memory: refused without allocating anything.
  const n = Math.floor(limit.totalBytes / 8) + 1;
  assertThrowsWith(
    () => nb.zeros([n], { dtype: "float64" }),
    "zeros",
    `[${n}]`,
    "machine's memory",
  );
  assert.ok(nb.MemoryLimitError.prototype instanceof RangeError);
});

let previous: nb.MemoryLimit | null = null;
const MiB = 2 ** 20;

forEachBackend(() => {
  before(() => {
    previous = nb.setMemoryLimit({ totalBytes: 4 * MiB });
  });
  after(() => {
    nb.setMemoryLimit(previous);
  });

  test("creation functions name themselves and the shape", () => {
    const cases: [string, () => unknown, string][] = [
      ["ones", () => nb.ones([1024, 2048]), "[1024,2048]"],
      [
        "zeros",
        () => nb.zeros(2048, 1024, { dtype: "int32" }),
        "int32 tensor of shape [2048,1024]",
      ],
      [
        "full",
        () => nb.full([MiB], 1.5, { dtype: "float64" }),
        "float64 tensor of shape [1048576]",
      ],
      ["randn", () => nb.randn([1 << 21]), "[2097152]"],
      ["rand", () => nb.rand([1 << 21]), "[2097152]"],
      ["randint", () => nb.randint(0, 5, [1 << 21]), "[2097152]"],
      ["arange", () => nb.arange(0, 1 << 21), "[2097152]"],
      ["linspace", () => nb.linspace(0, 1, 1 << 21), "[2097152]"],
      ["eye", () => nb.eye(1024, 2048), "[1024,2048]"],
      ["randperm", () => nb.randperm(1 << 21), "[2097152]"],
    ];
    for (const [op, fn, shape] of cases)
      assertThrowsWith(fn, `${op}: a `, shape, "8 MiB (8388608 bytes)", "(4 MiB, 4194304 bytes)");
    assertThrowsWith(
      () => nb.tensor(new Float64Array(MiB)),
      "tensor: a float64 tensor of shape [1048576]",
    );
    assert.deepEqual(nb.ones([1024, 1024]).shape, [1024, 1024], "4 MiB is within the limit");
  });

  test("an op's output beyond the limit names the op (through the dispatch point)", () => {
    const x = nb.ones([2048, 1]);
    const y = nb.ones([1, 1024]);
    assertThrowsWith(() => x.mul(y), "Mul: a float32 tensor of shape [2048,1024] needs 8 MiB");
    assertThrowsWith(() => x.matmul(y), "Mm: a float32 tensor of shape [2048,1024]");
    assertThrowsWith(() => x.expand([2048, 1024]).contiguous(), "Clone", "[2048,1024]");
    assertThrowsWith(
      () => nb.getBackend().alloc("float32", 2 * MiB),
      "allocation: a float32 tensor needs 8 MiB",
    );
  });

  test("large allocations are also checked against the memory available now", () => {
    nb.setMemoryLimit({
      totalBytes: 1024 * MiB,
      availableBytes: () => 3 * MiB,
      checkAvailableFrom: 2 * MiB,
    });
    try {
      assertThrowsWith(
        () => nb.ones([1024, 1024]),
        "ones: a float32 tensor of shape [1024,1024] needs 4 MiB (4194304 bytes), more than the memory available now (of 1 GiB in all) (3 MiB, 3145728 bytes)",
      );
      assert.equal(nb.ones([512, 512]).numel(), 512 * 512, "small allocations do not ask");
    } finally {
      nb.setMemoryLimit({ totalBytes: 4 * MiB });
    }
  });
});

test("setMemoryLimit(null) lifts the limit and bad limits are refused", () => {
  const saved = nb.setMemoryLimit(null);
  try {
    assert.equal(nb.getMemoryLimit(), null);
    assert.equal(nb.zeros([16]).numel(), 16);
    assertThrowsWith(() => nb.setMemoryLimit({ totalBytes: Number.NaN }), "setMemoryLimit", "NaN");
    assertThrowsWith(() => nb.setMemoryLimit({ totalBytes: 0 }), "setMemoryLimit", "positive");
  } finally {
    nb.setMemoryLimit(saved);
  }
});
