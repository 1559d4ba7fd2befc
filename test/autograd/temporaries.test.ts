// The engine frees the gradients it makes for its own use as soon as they are used up (through
// the backend's optional `release`). Checked with a backend that records each release: gradients
// equal those of a run without releases, every gradient handed out (.grad, retained, grad())
// stays whole, and nothing is freed while an op listener could hold a tensor.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import * as nb from "nabla";

const base = nb.getBackend();
const canRelease = typeof base.release === "function";
let released: nb.TypedArray[] = [];
const recording: nb.Backend = {
  ...base,
  release(array: nb.TypedArray) {
    released.push(array);
    base.release!(array);
  },
};
const keeping: nb.Backend = { ...base, release: undefined };

/** Runs `fn` on `backend` from the same seed. */
function on<T>(backend: nb.Backend, fn: () => T): T {
  const previous = nb.getBackend();
  nb.setBackend(backend);
  try {
    nb.manualSeed(7);
    return fn();
  } finally {
    nb.setBackend(previous);
  }
}

// A released array is detached: its length drops to 0.
const whole = (t: nb.Tensor | null, what: string) => {
  assert.ok(t !== null, `${what} is set`);
  assert.ok(t.numel() > 0 && t.storage.data.length > 0, `${what} was not freed`);
};

// Big enough (>= 1 KiB) for the native backend's pool, whose arrays can be released.
function graph() {
  const x = nb.randn([64, 40]);
  const w = nb.randn([40, 30], { requiresGrad: true });
  const b = nb.randn([30], { requiresGrad: true });
  b.grad = nb.ones([30]); // accumulates into an existing .grad
  const h = x.matmul(w).add(b).relu();
  h.retainGrad();
  // The same gradient reaches h twice (through add), and through views: a transpose, a reshape
  // and an expand.
  const v = h.add(h.mul(h)).t().reshape([30, 8, 8]);
  const e = h.sum(0, true).expand([64, 30]);
  const loss = v.sum().add(e.mul(h).mean());
  loss.backward();
  return { w, b, h };
}

describe("temporary gradients", { skip: !canRelease && "the backend has no release" }, () => {
  afterEach(() => {
    released = [];
  });

  test("are freed during backward, and gradients equal a run that keeps them", () => {
    const ref = on(keeping, graph);
    const got = on(recording, graph);
    assert.ok(released.length > 0, "some temporaries were released");
    for (const name of ["w", "b"] as const) {
      whole(got[name].grad, `${name}.grad`);
      assert.deepEqual(got[name].grad!.toArray(), ref[name].grad!.toArray(), name);
    }
    whole(got.h.grad, "retained h.grad");
    assert.deepEqual(got.h.grad!.toArray(), ref.h.grad!.toArray());
  });

  test("an activation's backward writes over a gradient only its own node reads", () => {
    // add hands the same gradient to relu and sigmoid: the first of them to run must leave it
    // whole for the second, which may then overwrite it.
    const run = () => {
      const a = nb.randn([40, 40], { requiresGrad: true });
      const b = nb.randn([40, 40], { requiresGrad: true });
      a.relu().add(b.sigmoid()).mul(3).tanh().sum().backward();
      return [a.grad!.toArray(), b.grad!.toArray()];
    };
    assert.deepEqual(on(recording, run), on(keeping, run));
  });

  test("a gradient that is also a leaf's .grad is not overwritten by an activation's backward", () => {
    // add hands one gradient to the leaf a (it becomes a.grad, no copy) and to relu.
    const run = () => {
      const a = nb.randn([40, 40], { requiresGrad: true });
      const b = nb.randn([40, 40], { requiresGrad: true });
      a.add(b.relu()).mul(2).sum().backward();
      return [a.grad!.toArray(), b.grad!.toArray()];
    };
    assert.deepEqual(on(recording, run), on(keeping, run));
  });

  test("a gradient that becomes .grad shares no freed storage", () => {
    // With no .grad yet, the leaf's gradient is the very tensor the rule returned (no copy).
    const run = () => {
      const a = nb.randn([32, 32], { requiresGrad: true });
      a.mul(3).exp().sum().backward();
      return a;
    };
    const ref = on(keeping, run);
    const a = on(recording, run);
    whole(a.grad, "a.grad");
    assert.ok(!released.includes(a.grad!.storage.data), "a.grad's array was not released");
    assert.deepEqual(a.grad!.toArray(), ref.grad!.toArray());
  });

  test("grad() results are kept", () => {
    const run = () => {
      const a = nb.randn([32, 32], { requiresGrad: true });
      const m = a.tanh();
      return nb.grad(m.mul(m).sum(), [a, m]);
    };
    const ref = on(keeping, run);
    const got = on(recording, run);
    got.forEach((g, i) => {
      whole(g, `grad ${i}`);
      assert.deepEqual(g!.toArray(), ref[i]!.toArray());
    });
  });

  test("nothing is freed while an op listener is registered", () => {
    const seen: nb.Tensor[] = [];
    const stop = nb.onOp((_name, _inputs, out) => seen.push(out));
    try {
      on(recording, graph);
    } finally {
      stop();
    }
    assert.equal(released.length, 0);
    for (const t of seen) whole(t, "a tensor the listener saw");
  });

  test("a recorded backward (createGraph) keeps its gradients; a backward through it is exact", () => {
    const run = () => {
      const a = nb.randn([32, 32], { requiresGrad: true });
      const [g] = nb.grad(a.pow(3).sum(), [a], { createGraph: true });
      g!.sum().backward();
      return a;
    };
    const ref = on(keeping, run);
    const a = on(recording, run);
    assert.deepEqual(a.grad!.toArray(), ref.grad!.toArray());
  });
});
