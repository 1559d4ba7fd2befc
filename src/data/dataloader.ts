// DataLoader: batches of a dataset, in sampler order, with sync (`for...of`) and async
// (`for await`) iteration.
//
// Batches come from `dataset.getBatch(indices)` when the dataset has one and no collateFn is
// given (one row gather per batch), else from `get(i)` for each index and a collation.
//
// An optional per-sample `transform` (the augmentation pipeline) applies to each sample's input:
// the sample itself if it is a tensor, else its first element. Its randomness comes from one seed
// per batch, drawn at the start of the epoch, so the batches are the same whether the transform
// runs inline or in `numWorkers` worker threads, and however far ahead batches are prefetched.
import { availableParallelism } from "node:os";
import { defaultGenerator, Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { applyPerSample, batchSeed } from "./batch-transform.js";
import { type Collated, defaultCollate } from "./collate.js";
import { type Dataset, hasGetBatch } from "./dataset.js";
import {
  BatchSampler,
  type BatchSamplerLike,
  RandomSampler,
  type Sampler,
  SequentialSampler,
} from "./sampler.js";
import type { Transform, TransformFn } from "./transform-utils.js";
import { type Ticket, WorkerPool } from "./worker-pool.js";

/** Options of `DataLoader`. Example: `{ batchSize: 256, shuffle: true, generator: new nb.Generator(0) }`. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** A fresh random order every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch when it is short (default false). */
  dropLast?: boolean;
  /** The order of indices (exclusive with `shuffle`). */
  sampler?: Sampler;
  /** Yields whole batches of indices (exclusive with batchSize, shuffle, sampler, dropLast). */
  batchSampler?: BatchSamplerLike;
  /** Turns a list of samples into a batch (default: `defaultCollate`). Disables the getBatch fast path. */
  collateFn?: (samples: T[]) => B;
  /** Drives shuffling and the transform's randomness (default: nabla's default generator). */
  generator?: Generator;
  /** Worker threads that run `transform` (default 0: inline); more than the machine's cores are capped to them. */
  numWorkers?: number;
  /** Batches in flight per worker (default 2). */
  prefetchFactor?: number;
  /** Per-sample transform of each sample's input; the part that workers run. */
  transform?: Transform<any> | TransformFn<any>;
  /** Milliseconds to wait for a worker's batch before failing (default 0: forever). */
  timeout?: number;
}

/** A batch being produced: ready, or waiting for a worker to transform its input. */
interface Pending {
  batch: unknown;
  ticket: Ticket | null;
}

/**
 * Iterates over a dataset in batches, as `torch.utils.data.DataLoader`.
 * Example: `for (const [X, y] of new nb.data.DataLoader(ds, { batchSize: 256, shuffle: true })) { ... }`.
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly sampler: Sampler | null;
  readonly batchSampler: BatchSamplerLike;
  readonly generator: Generator | undefined;
  readonly numWorkers: number;
  readonly prefetchFactor: number;
  readonly transform: Transform<any> | TransformFn<any> | undefined;
  readonly collateFn: ((samples: T[]) => B) | undefined;
  readonly timeout: number;
  #pool: WorkerPool | null = null;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    const { batchSampler, sampler, shuffle = false, dropLast = false } = options;
    this.dataset = dataset;
    this.generator = options.generator;
    this.numWorkers = options.numWorkers ?? 0;
    this.prefetchFactor = options.prefetchFactor ?? 2;
    this.transform = options.transform;
    this.collateFn = options.collateFn;
    this.timeout = options.timeout ?? 0;
    if (!Number.isInteger(this.numWorkers) || this.numWorkers < 0)
      throw new RangeError(
        `DataLoader: numWorkers must be a non-negative integer, got ${this.numWorkers}`,
      );
    this.numWorkers = capWorkers(this.numWorkers);
    if (!Number.isInteger(this.prefetchFactor) || this.prefetchFactor < 1)
      throw new RangeError(
        `DataLoader: prefetchFactor must be a positive integer, got ${this.prefetchFactor}`,
      );
    if (batchSampler !== undefined) {
      if (options.batchSize !== undefined || shuffle || sampler !== undefined || dropLast)
        throw new Error(
          "DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast",
        );
      this.batchSize = null;
      this.dropLast = false;
      this.sampler = null;
      this.batchSampler = batchSampler;
    } else {
      if (sampler !== undefined && shuffle)
        throw new Error("DataLoader: sampler option is mutually exclusive with shuffle");
      this.batchSize = options.batchSize ?? 1;
      this.dropLast = dropLast;
      this.sampler =
        sampler ??
        (shuffle
          ? new RandomSampler(dataset, { generator: this.generator })
          : new SequentialSampler(dataset));
      this.batchSampler = new BatchSampler(this.sampler, this.batchSize, this.dropLast);
    }
    if (this.numWorkers > 0 && this.transform !== undefined) {
      if (this.collateFn !== undefined)
        throw new Error(
          "DataLoader: workers run the transform on default-collated batches; with a collateFn, apply the transform in it (or use numWorkers: 0)",
        );
      if (typeof this.transform === "function" || typeof this.transform.toSpec !== "function")
        throw new Error(
          "DataLoader: a worker thread can only rebuild built-in transforms (with toSpec()); this transform is a function. Use numWorkers: 0",
        );
      this.transform.toSpec(); // fails now, naming the culprit, rather than in a worker
    }
  }

  /** Number of batches per epoch. Example: `loader.length === Math.ceil(60000 / 256)`. */
  get length(): number {
    return this.batchSampler.length;
  }

  /** Batches of one epoch, computed on demand (transforms in workers when numWorkers > 0). */
  [Symbol.iterator](): IterableIterator<B> {
    const epoch = new Epoch(this, this.#workers());
    const iterator: IterableIterator<B> = {
      next: () => epoch.nextSync() as IteratorResult<B>,
      return: (value?: unknown) => {
        epoch.abandon();
        return { done: true, value: value as B };
      },
      [Symbol.iterator]: () => iterator,
    };
    return iterator;
  }

  /** Batches of one epoch; the next batch is prepared while the current one is used. */
  [Symbol.asyncIterator](): AsyncIterableIterator<B> {
    const epoch = new Epoch(this, this.#workers());
    const iterator: AsyncIterableIterator<B> = {
      next: () => epoch.nextAsync() as Promise<IteratorResult<B>>,
      return: async (value?: unknown) => {
        epoch.abandon();
        return { done: true, value: value as B };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Stops the worker threads (they never keep the process alive anyway). Example: `await loader.close()`. */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    await pool?.close();
  }

  #workers(): WorkerPool | null {
    if (this.numWorkers === 0 || this.transform === undefined) return null;
    this.#pool ??= new WorkerPool(
      this.numWorkers,
      (this.transform as Transform<any>).toSpec!(),
      this.timeout,
    );
    return this.#pool;
  }
}

let warnedAboutWorkers = false;

/**
 * `requested` workers, at most one per core: the transform is CPU-bound, so more threads only
 * add start-up time and memory (1000 workers took 53 s to deliver a first batch). PyTorch warns
 * and goes on; nabla warns once per process and uses the cores it has.
 */
function capWorkers(requested: number): number {
  const cores = availableParallelism();
  if (requested <= cores) return requested;
  if (!warnedAboutWorkers) {
    warnedAboutWorkers = true;
    console.warn(
      `DataLoader: numWorkers ${requested} is more than the ${cores} cores of this machine; using ${cores} worker threads`,
    );
  }
  return cores;
}

/** Batch `indices`, fully built on this thread. */
function collect<T, B>(loader: DataLoader<T, B>, indices: readonly number[], seed: number): B {
  const { dataset, transform, collateFn } = loader;
  if (collateFn === undefined && hasGetBatch(dataset)) {
    const batch = dataset.getBatch(indices);
    if (transform === undefined) return batch as B;
    return withInput(batch, applyPerSample(inputOf(batch, "batch"), transform, seed)) as B;
  }
  let samples = indices.map((i) => dataset.get(i));
  if (transform !== undefined) {
    // The same draws as applyPerSample over the collated inputs: one generator, row by row.
    const gen = new Generator(seed);
    samples = samples.map(
      (s) => withInput(s, runTransform(transform, inputOf(s, "sample"), gen)) as T,
    );
  }
  return collateFn ? collateFn(samples) : (defaultCollate(samples) as B);
}

/** Batch `indices` with its input not yet transformed, for a worker. */
function gather<T>(dataset: Dataset<T>, indices: readonly number[]): unknown {
  if (hasGetBatch(dataset)) return dataset.getBatch(indices);
  return defaultCollate(indices.map((i) => dataset.get(i)));
}

function runTransform(
  transform: Transform<any> | TransformFn<any>,
  x: unknown,
  gen: Generator,
): Tensor {
  return typeof transform === "function" ? transform(x, gen) : transform.forward(x, gen);
}

/** The part of a sample (or batch) that the transform applies to: itself, or its first element. */
function inputOf(sample: unknown, what: string): any {
  if (Array.isArray(sample)) return sample[0];
  if (sample instanceof Tensor || what === "sample") return sample;
  throw new TypeError(
    `DataLoader: the transform applies to a batch that is a Tensor or an array [input, ...]; got ${typeof sample}`,
  );
}

function withInput(sample: unknown, x: Tensor): unknown {
  return Array.isArray(sample) ? [x, ...sample.slice(1)] : x;
}

/** One epoch's iteration state: the batch-index iterator, the seeds and the batches in flight. */
class Epoch<T, B> {
  readonly #loader: DataLoader<T, B>;
  readonly #pool: WorkerPool | null;
  readonly #indices: Iterator<readonly number[]>;
  readonly #baseSeed: number;
  readonly #queue: Pending[] = [];
  #scheduled = 0;
  #exhausted = false;
  #prefetch: { timer: ReturnType<typeof setImmediate> | null; result: Pending | Error | null } = {
    timer: null,
    result: null,
  };

  constructor(loader: DataLoader<T, B>, pool: WorkerPool | null) {
    this.#loader = loader;
    this.#pool = pool;
    // Drawn before the sampler's permutation and only when there is randomness to seed, so an
    // epoch consumes the same draws from the generator however it is iterated.
    this.#baseSeed =
      loader.transform === undefined ? 0 : (loader.generator ?? defaultGenerator).nextUint32();
    this.#indices = loader.batchSampler[Symbol.iterator]();
  }

  /** Starts the next batch: gathered here, transformed here or by a worker. False at the end. */
  #schedule(): boolean {
    if (this.#exhausted) return false;
    const next = this.#indices.next();
    if (next.done) {
      this.#exhausted = true;
      return false;
    }
    const b = this.#scheduled++;
    const seed = batchSeed(this.#baseSeed, b);
    const pool = this.#pool;
    if (pool === null) {
      this.#queue.push({ batch: collect(this.#loader, next.value, seed), ticket: null });
    } else {
      const batch = gather(this.#loader.dataset, next.value);
      const input = inputOf(batch, "batch");
      if (!(input instanceof Tensor))
        throw new TypeError(
          "DataLoader: with workers, each batch's input must collate to a Tensor",
        );
      this.#queue.push({ batch, ticket: pool.submit(b, input, seed, true) });
    }
    return true;
  }

  #fill(): void {
    const depth = this.#pool === null ? 1 : this.#pool.size * this.#loader.prefetchFactor;
    while (this.#queue.length < depth && this.#schedule()) {
      /* keep scheduling */
    }
  }

  nextSync(): IteratorResult<unknown> {
    this.#fill();
    const head = this.#queue.shift();
    if (head === undefined) return { done: true, value: undefined };
    const value =
      head.ticket === null ? head.batch : withInput(head.batch, this.#pool!.waitSync(head.ticket));
    this.#fill();
    return { done: false, value };
  }

  async nextAsync(): Promise<IteratorResult<unknown>> {
    if (this.#pool !== null) {
      this.#fill();
      const head = this.#queue.shift();
      if (head === undefined) return { done: true, value: undefined };
      const value = withInput(head.batch, await this.#pool.waitAsync(head.ticket!));
      this.#fill();
      return { done: false, value };
    }
    // Inline: take the batch prepared in the background, or make it now if that has not run yet.
    const p = this.#prefetch;
    if (p.timer !== null) {
      clearImmediate(p.timer);
      p.timer = null;
    }
    if (p.result === null) {
      this.#fill();
      p.result = this.#queue.shift() ?? null;
    }
    const result = p.result;
    p.result = null;
    if (result === null) return { done: true, value: undefined };
    if (result instanceof Error) throw result;
    p.timer = setImmediate(() => {
      p.timer = null;
      try {
        this.#fill();
        p.result = this.#queue.shift() ?? null;
      } catch (e) {
        p.result = e instanceof Error ? e : new Error(String(e));
      }
    });
    return { done: false, value: result.batch };
  }

  /** Stops early (a `break`): workers' late replies are skipped by id. */
  abandon(): void {
    if (this.#prefetch.timer !== null) clearImmediate(this.#prefetch.timer);
    this.#prefetch.timer = null;
    for (const pending of this.#queue) if (pending.ticket) this.#pool?.discard(pending.ticket);
    this.#queue.length = 0;
    this.#exhausted = true;
  }
}
