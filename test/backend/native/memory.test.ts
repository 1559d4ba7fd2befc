// The addon's memory pool: blocks of collected buffers are reused, zero-filled when asked, and the
// accounting of live and cached bytes follows the garbage collector.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createNativeBackend } from "../../../src/backend/native/index.js";
import { SKIP, nat } from "./helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Collects garbage until V8 has handed the freed backing stores back (its sweeper may lag). */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("native memory pool", { skip: SKIP }, () => {
  it("reuses the block of a collected buffer, zero-filled on request", async () => {
    const m = nat();
    const bytes = 1 << 20;
    (() => {
      const a = new Float32Array(m.allocBuffer(bytes, false));
      a.fill(7);
    })();
    await collect();
    const before = m.memoryPoolStats();
    assert.ok(before.cachedBytes >= bytes, `cached ${before.cachedBytes} after collection`);
    const b = new Float32Array(m.allocBuffer(bytes, true));
    const after = m.memoryPoolStats();
    assert.equal(after.hits, before.hits + 1);
    assert.equal(b.length, bytes / 4);
    assert.ok(
      b.every((v) => v === 0),
      "a zero-filled block from the pool holds only zeros",
    );
    assert.ok(after.liveBytes >= bytes);
  });

  it("serves odd sizes exactly and keeps small buffers out of the pool", () => {
    const m = nat();
    const before = m.memoryPoolStats();
    const odd = new Uint8Array(m.allocBuffer(100_003, true));
    assert.equal(odd.length, 100_003);
    assert.ok(odd.every((v) => v === 0));
    const small = new Uint8Array(m.allocBuffer(1000, false));
    assert.equal(small.length, 1000);
    assert.ok(
      small.every((v) => v === 0),
      "small buffers come from V8, zero-filled",
    );
    const after = m.memoryPoolStats();
    assert.equal(after.hits + after.misses, before.hits + before.misses + 1);
  });

  it("rejects negative and fractional sizes with the kernel's name", () => {
    const m = nat();
    assert.throws(() => m.allocBuffer(-1, true), /allocBuffer.*>= 0/);
    assert.throws(() => m.allocBuffer(1.5, true), /allocBuffer.*integer/);
  });

  it("emptyMemoryPool frees the cached blocks", async () => {
    const m = nat();
    (() => void m.allocBuffer(1 << 20, false))();
    await collect();
    assert.ok(m.memoryPoolStats().cachedBytes > 0);
    m.emptyMemoryPool();
    assert.equal(m.memoryPoolStats().cachedBytes, 0);
  });

  it("the native backend's alloc is zero-filled and allocEmpty has the right type and length", () => {
    const backend = createNativeBackend(nat());
    for (const dtype of ["float32", "float64", "int32", "bool"] as const) {
      for (const size of [1, 33, 70_001]) {
        const z = backend.alloc(dtype, size);
        assert.equal(z.length, size);
        assert.ok(z.every((v) => v === 0));
        const e = backend.allocEmpty(dtype, size);
        assert.equal(e.length, size);
        assert.equal(e.constructor, z.constructor);
      }
    }
  });
});
