// The addon's memory pool: blocks of collected buffers are reused, zero-filled when asked, and the
// accounting of live and cached bytes follows the garbage collector.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { totalmem } from "node:os";
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { gcBallastMiB } from "../../../src/backend/native/gc-ballast.js";
import { createNativeBackend } from "../../../src/backend/native/index.js";
import { setMemoryLimit } from "../../../src/tensor/memory.js";
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

  it("refuses a block larger than the machine's memory before mapping it", () => {
    const m = nat();
    const tooMuch = totalmem() + (1 << 30);
    assert.throws(
      () => m.allocBuffer(tooMuch, false),
      new RegExp(`allocBuffer: cannot allocate ${tooMuch} bytes: more than the machine's memory`),
    );
    const before = m.memoryPoolStats();
    assert.throws(() => m.allocBuffer(2 ** 50, true), /more than the machine's memory/);
    assert.equal(m.memoryPoolStats().liveBytes, before.liveBytes, "nothing counted as live");
  });

  it("the native backend checks the tensor memory limit before asking the pool", () => {
    const backend = createNativeBackend(nat());
    const previous = setMemoryLimit({ totalBytes: 1 << 20 });
    try {
      const before = nat().memoryPoolStats();
      assert.throws(
        () => backend.allocEmpty("float64", 1 << 18),
        /allocation: a float64 tensor needs 2 MiB \(2097152 bytes\), more than this machine's memory \(1 MiB, 1048576 bytes\)/,
      );
      assert.equal(nat().memoryPoolStats().misses, before.misses, "the pool was not asked");
      assert.equal(backend.alloc("float32", 1 << 18).length, 1 << 18, "1 MiB fits");
    } finally {
      setMemoryLimit(previous);
    }
    assert.equal(typeof backend.cachedBytes?.(), "number");
  });

  it("rejects negative and fractional sizes with the kernel's name", () => {
    const m = nat();
    assert.throws(() => m.allocBuffer(-1, true), /allocBuffer.*>= 0/);
    assert.throws(() => m.allocBuffer(1.5, true), /allocBuffer.*integer/);
  });

  it("releaseBuffer hands a block back at once, and the next buffer of its size reuses it", () => {
    const m = nat();
    const bytes = (1 << 18) + 4; // odd size: its class is larger than the request
    const buffer = m.allocBuffer(bytes, false);
    const view = new Float32Array(buffer);
    const before = m.memoryPoolStats();
    assert.equal(m.releaseBuffer(buffer), true);
    assert.equal(buffer.byteLength, 0, "the buffer is detached");
    assert.equal(view.length, 0, "and so are its views");
    const released = m.memoryPoolStats();
    assert.ok(released.liveBytes < before.liveBytes, "no longer live");
    assert.ok(released.cachedBytes > before.cachedBytes, "cached without a collection");
    m.allocBuffer(bytes, false);
    assert.equal(m.memoryPoolStats().hits, released.hits + 1);
    // Releasing twice, or a buffer V8 allocated, is harmless; a non-buffer is an error.
    assert.equal(m.releaseBuffer(buffer), true);
    const own = new ArrayBuffer(64);
    m.releaseBuffer(own);
    assert.equal(own.byteLength, 0);
    assert.throws(
      () => m.releaseBuffer(new Float32Array(4) as never),
      /releaseBuffer: expected an ArrayBuffer/,
    );
  });

  it("the native backend releases only whole pooled arrays", () => {
    const backend = createNativeBackend(nat());
    const big = backend.allocEmpty("float32", 1024);
    backend.release!(big);
    assert.equal(big.length, 0);
    const small = backend.alloc("float32", 8); // on V8's heap: left alone
    backend.release!(small);
    assert.equal(small.length, 8);
    const whole = backend.alloc("float64", 1024);
    const part = whole.subarray(1);
    backend.release!(part);
    assert.equal(whole.length, 1024, "a subarray does not free its buffer");
  });

  it("makes an 8 MiB GC ballast on V8's heap once 64 MiB of tensor memory was handed out", () => {
    const backend = createNativeBackend(nat());
    const before = getHeapStatistics().used_heap_size;
    const hadOne = gcBallastMiB() > 0;
    for (let i = 0; i < 20; i++) backend.release!(backend.allocEmpty("float32", 1 << 20)); // 4 MiB
    assert.equal(gcBallastMiB(), 8);
    if (!hadOne)
      assert.ok(getHeapStatistics().used_heap_size - before >= 8 * 2 ** 20, "on V8's heap");
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
