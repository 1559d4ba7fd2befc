// Shared helpers of the native kernel tests: the addon (or null, to skip), a seeded RNG and
// closeness assertions that report the first mismatch with its index.
import assert from "node:assert/strict";
import { loadNativeAddon, type NativeAddon } from "../../../src/backend/native/addon.js";

export const addon: NativeAddon | null = loadNativeAddon();
export const SKIP = addon ? false : "native addon not built (run `npx nabla build-native`)";

/** The addon, asserted present (tests are skipped through SKIP when it is missing). */
export function nat(): NativeAddon {
  assert.ok(addon, "native addon missing");
  return addon;
}

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi). */
export function randF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}
export function randF64(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/**
 * |got - want| <= atol + rtol * |want| element by element (NaN matches NaN, infinities must be
 * equal).
 */
export function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
  what: string,
): void {
  assert.equal(got.length, want.length, `${what}: length ${got.length} != ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g === w) continue;
      assert.fail(`${what}: element ${i} is ${g}, expected ${w}`);
    }
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w)))
      assert.fail(`${what}: element ${i} is ${g}, expected ${w} (diff ${Math.abs(g - w)})`);
  }
}

/** Row-major strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}
