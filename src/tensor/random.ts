/**
 * The seeded random generator behind every random function (xoshiro128**, seeded through
 * splitmix32). One global generator, as in PyTorch; its state can be saved in a checkpoint.
 */
export class Generator {
  #s = new Uint32Array(4);
  #spareNormal: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /**
   * Re-seeds the generator; a non-integer seed counts as its integer part (Python's `int(seed)`,
   * as `torch.manual_seed`). Example: `gen.manualSeed(42)`.
   */
  manualSeed(seed: number): this {
    if (typeof seed !== "number")
      throw new TypeError(`manualSeed: the seed must be a number, got ${typeof seed}`);
    if (!Number.isFinite(seed))
      throw new RangeError(`manualSeed: the seed must be a finite number, got ${seed}`);
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    for (let i = 0; i < 4; i++) {
      // splitmix32: spreads any seed (even 0) over a full, non-zero state.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    this.#spareNormal = null;
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal sample (Box-Muller; the second value of each pair is kept). */
  normal(): number {
    if (this.#spareNormal !== null) {
      const v = this.#spareNormal;
      this.#spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [low, high). */
  randint(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low));
  }

  /** The state as plain numbers (for checkpoints). Example: `const s = gen.getState()`. */
  getState(): number[] {
    return [...this.#s, this.#spareNormal === null ? Number.NaN : this.#spareNormal];
  }

  /** Restores a state from `getState`. */
  setState(state: readonly number[]): void {
    if (!Array.isArray(state) || state.length !== 5)
      throw new Error(`Generator.setState: expected 5 numbers, got ${JSON.stringify(state)}`);
    const words = state.slice(0, 4);
    // xoshiro's state is four 32-bit words, not all zero (an all-zero state only ever gives 0).
    if (
      words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff) ||
      words.every((w) => w === 0)
    )
      throw new RangeError(
        `Generator.setState: the first 4 numbers must be 32-bit unsigned integers, not all 0, got [${words.join(", ")}]`,
      );
    // The spare normal: NaN (or null, which JSON makes of NaN) when there is none.
    const spare = state[4] as number | null;
    if (spare !== null && (typeof spare !== "number" || spare === Infinity || spare === -Infinity))
      throw new RangeError(
        `Generator.setState: the 5th number must be NaN or finite, got ${spare}`,
      );
    for (let i = 0; i < 4; i++) this.#s[i] = state[i] >>> 0;
    this.#spareNormal = spare === null || Number.isNaN(spare) ? null : spare;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The default generator that all random creation functions and layers use. */
export const defaultGenerator = new Generator(0x5eed);

/** Seeds the default generator, as `torch.manual_seed`. Example: `nb.manualSeed(42)`. */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** The default generator's state, as `torch.get_rng_state`. Example: `const s = nb.getRngState()`. */
export function getRngState(): number[] {
  return defaultGenerator.getState();
}

/** Restores the default generator's state, as `torch.set_rng_state`. */
export function setRngState(state: readonly number[]): void {
  defaultGenerator.setState(state);
}
