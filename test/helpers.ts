// Shared test utilities: value comparison with a readable failure, gradcheck tables, float64
// random inputs and non-contiguous leaves. Every test folder may use them.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";

type Nested = number | boolean | Nested[];
/** What `assertClose` compares: a tensor, a number, or (nested) arrays or typed arrays of numbers. */
export type Values = nb.Tensor | Nested | ArrayLike<number>;

/** Tolerances of `assertClose`: |actual - expected| <= atol + rtol * |expected|. */
export interface Tolerance {
  atol?: number;
  rtol?: number;
}

function flatten(v: Values): { values: number[]; shape: number[] | null } {
  if (v instanceof nb.Tensor) {
    return { values: Array.from(v.data(), Number), shape: v.shape.slice() };
  }
  if (typeof v === "number" || typeof v === "boolean") return { values: [Number(v)], shape: null };
  if (ArrayBuffer.isView(v)) return { values: Array.from(v as ArrayLike<number>), shape: null };
  const out: number[] = [];
  const shape: number[] = [];
  let probe: unknown = v;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) for (const e of x) walk(e);
    else out.push(Number(x));
  };
  walk(v);
  return { values: out, shape };
}

/**
 * Asserts elementwise closeness; on failure the message names the worst element, its index and
 * both values. Shapes are compared when the expectation has one (a tensor or a nested array); a
 * flat list is compared with the values in row-major order.
 * Example: `assertClose(x.exp(), [1, Math.E], { atol: 1e-6 })`.
 */
export function assertClose(actual: Values, expected: Values, tol: Tolerance = {}): void {
  const { atol = 1e-5, rtol = 1e-5 } = tol;
  const a = flatten(actual);
  const e = flatten(expected);
  // Shapes must match when the expectation has one beyond a flat list: a tensor, or a nested array.
  // A flat list (or typed array) is compared with the tensor's values in row-major order.
  const flatList = e.shape !== null && e.shape.length === 1 && !(expected instanceof nb.Tensor);
  if (a.shape !== null && e.shape !== null && !(flatList && a.shape.length !== 1)) {
    assert.deepEqual(a.shape, e.shape, `shape [${a.shape}] differs from expected [${e.shape}]`);
  }
  assert.equal(
    a.values.length,
    e.values.length,
    `got ${a.values.length} elements, expected ${e.values.length}`,
  );
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i];
    const y = e.values[i];
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (x === y) continue;
    const excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (Number.isNaN(excess) || excess > worstExcess) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    const x = a.values[worst];
    const y = e.values[worst];
    assert.fail(
      `values differ: worst at flat index ${worst}: got ${x}, expected ${y} (|diff| ${Math.abs(x - y)}, atol ${atol}, rtol ${rtol}); ${a.values.length} elements`,
    );
  }
}

/** Asserts that `fn` throws an error whose message contains every fragment. */
export function assertThrowsWith(fn: () => unknown, ...fragments: (string | RegExp)[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Error, "expected an Error");
    for (const f of fragments) {
      const ok: boolean = typeof f === "string" ? err.message.includes(f) : f.test(err.message);
      assert.ok(ok, `error message ${JSON.stringify(err.message)} lacks ${String(f)}`);
    }
    return true;
  });
}

/** A float64 leaf of standard normal values (requires grad). Example: `randn64([2, 3])`. */
export function randn64(shape: readonly number[], requiresGrad = true): nb.Tensor {
  return nb.randn([...shape], { dtype: "float64", requiresGrad });
}

/** A float64 leaf of uniform values in [low, high) (requires grad). Example: `uniform64([3], 0.5, 2)`. */
export function uniform64(
  shape: readonly number[],
  low: number,
  high: number,
  requiresGrad = true,
): nb.Tensor {
  return nb.uniform(low, high, [...shape], { dtype: "float64", requiresGrad });
}

// Values away from zero and from each other, so that kinks (abs, relu, max) are not sampled.
function spread(t: nb.Tensor): nb.Tensor {
  return nb.noGrad(() => t.sign().add(t.mul(0.5)));
}

/** How a gradcheck input is laid out in memory. */
export type Layout = "contiguous" | "transposed" | "sliced" | "expanded";

/**
 * A float64 leaf of `shape` with the given memory layout: "transposed" is the transpose of a
 * contiguous tensor, "sliced" takes every other element of the last dim, "expanded" broadcasts
 * a size-1 first dim (a 0-stride leaf: fine for forward and backward, but gradcheck rejects it,
 * since one stored value stands for several elements). Values avoid 0 unless `positive` shifts them to (0.5, 2).
 * Example: `leaf([3, 4], "transposed")`.
 */
export function leaf(
  shape: readonly number[],
  layout: Layout = "contiguous",
  opts: { positive?: boolean } = {},
): nb.Tensor {
  const make = (s: readonly number[]) => {
    const base = nb.randn([...s], { dtype: "float64" });
    return opts.positive ? nb.noGrad(() => base.abs().mul(0.5).add(0.6)) : spread(base);
  };
  let t: nb.Tensor;
  if (layout === "contiguous" || shape.length === 0) t = make(shape);
  else if (layout === "transposed") {
    const n = shape.length;
    const reversed = shape.slice().reverse();
    t = make(reversed).permute(Array.from({ length: n }, (_, i) => n - 1 - i));
  } else if (layout === "sliced") {
    const wide = shape.slice();
    wide[wide.length - 1] = wide[wide.length - 1] * 2;
    t = make(wide).get("...", "::2");
  } else {
    t = make([1, ...shape.slice(1)]).expand([...shape]);
  }
  t = t.detach();
  t.requiresGrad_();
  assert.deepEqual(t.shape, shape);
  return t;
}

/** One row of a gradcheck table: a name, the function and a builder for its inputs. */
export interface GradcheckCase {
  name: string;
  fn: (...xs: nb.Tensor[]) => nb.Tensor | nb.Tensor[];
  inputs: () => nb.Tensor[];
  atol?: number;
  rtol?: number;
}

/**
 * Registers one `node:test` test per row: seeds the RNG, builds the inputs, and runs
 * `nb.gradcheck`, which throws with the worst element on a mismatch.
 * Example: `gradcheckTable("exp", [{ name: "exp [2,3]", fn: (x) => x.exp(), inputs: () => [leaf([2, 3])] }])`.
 */
export function gradcheckTable(title: string, cases: readonly GradcheckCase[]): void {
  for (const c of cases) {
    test(`gradcheck ${title}: ${c.name}`, () => {
      nb.manualSeed(1234);
      const inputs = c.inputs();
      assert.ok(
        nb.gradcheck(c.fn, inputs, { atol: c.atol ?? 1e-6, rtol: c.rtol ?? 1e-4 }),
        `gradcheck failed for ${c.name}`,
      );
    });
  }
}

/** Runs `fn` with the RNG seeded, for deterministic tests. Example: `seeded(0, () => nb.randn([2]))`. */
export function seeded<T>(seed: number, fn: () => T): T {
  nb.manualSeed(seed);
  return fn();
}
