// Samplers decide the order of indices; a BatchSampler groups them into batches. As in PyTorch,
// a RandomSampler draws a fresh permutation every time it is iterated (once per epoch), from its
// own seeded Generator or from the default one, so a run is reproducible from its seed.
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { permutation } from "./dataset.js";

/**
 * An iterable of dataset indices with a known length.
 * Example: `const s: Sampler = new nb.data.SequentialSampler(ds); [...s]`.
 */
export interface Sampler extends Iterable<number> {
  readonly length: number;
}

/**
 * An iterable of index batches with a known number of batches.
 * Example: `for (const idx of new nb.data.BatchSampler(sampler, 32, false)) ds.getBatch(idx)`.
 */
export interface BatchSamplerLike extends Iterable<readonly number[]> {
  readonly length: number;
}

function checkLength(op: string, n: number): number {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`${op}: length must be a non-negative integer, got ${n}`);
  return n;
}

/**
 * Indices 0..n-1 in order. Example: `[...new nb.data.SequentialSampler({ length: 3 })]` is `[0, 1, 2]`.
 */
export class SequentialSampler implements Sampler {
  readonly length: number;
  constructor(dataSource: { readonly length: number }) {
    this.length = checkLength("SequentialSampler", dataSource.length);
  }
  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.length; i++) yield i;
  }
}

/** Options of `RandomSampler`. Example: `{ replacement: true, numSamples: 100, generator }`. */
export interface RandomSamplerOptions {
  /** Draw with replacement (default false: a permutation). */
  replacement?: boolean;
  /** How many indices per epoch (default: the dataset's length). */
  numSamples?: number;
  /** The generator to draw from (default: nabla's default generator, seeded by `nb.manualSeed`). */
  generator?: Generator;
}

/**
 * Random indices: a fresh permutation each epoch (or draws with replacement), reproducible from the
 * generator's seed. Example: `new nb.data.RandomSampler(ds, { generator: new nb.Generator(0) })`.
 */
export class RandomSampler implements Sampler {
  readonly n: number;
  readonly replacement: boolean;
  readonly length: number;
  readonly generator: Generator | undefined;

  constructor(dataSource: { readonly length: number }, options: RandomSamplerOptions = {}) {
    this.n = checkLength("RandomSampler", dataSource.length);
    this.replacement = options.replacement ?? false;
    this.generator = options.generator;
    const numSamples = options.numSamples ?? this.n;
    if (!Number.isInteger(numSamples) || numSamples <= 0)
      throw new RangeError(
        `RandomSampler: numSamples should be a positive integer, got ${numSamples}`,
      );
    if (!this.replacement && numSamples > this.n)
      throw new RangeError(
        `RandomSampler: numSamples (${numSamples}) cannot exceed the dataset length (${this.n}) without replacement`,
      );
    this.length = numSamples;
  }

  *[Symbol.iterator](): Iterator<number> {
    // Drawn when iteration starts, so each epoch is one draw from the generator's stream.
    const gen = this.generator ?? defaultGenerator;
    if (this.replacement) {
      const draws = new Int32Array(this.length);
      for (let i = 0; i < draws.length; i++) draws[i] = gen.randint(0, this.n);
      yield* draws;
      return;
    }
    const perm = permutation(this.n, gen);
    for (let i = 0; i < this.length; i++) yield perm[i];
  }
}

/**
 * Groups a sampler's indices into lists of `batchSize`; the last short batch is dropped when
 * `dropLast`. Example: `[...new nb.data.BatchSampler(new nb.data.SequentialSampler({ length: 5 }), 2, false)]`
 * is `[[0, 1], [2, 3], [4]]`.
 */
export class BatchSampler implements BatchSamplerLike {
  constructor(
    readonly sampler: Sampler,
    readonly batchSize: number,
    readonly dropLast: boolean,
  ) {
    if (!Number.isInteger(batchSize) || batchSize <= 0)
      throw new RangeError(
        `BatchSampler: batchSize should be a positive integer, got ${batchSize}`,
      );
  }

  /** Number of batches: floor(n / batchSize) with dropLast, else ceil. */
  get length(): number {
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
