// Applying a per-sample transform to every row of a batch, with randomness from one seed per
// batch. The DataLoader runs this inline or inside a worker thread; since both draw from
// `new Generator(seed)` row after row, a pipeline gives identical batches either way.
import { Generator } from "../tensor/random.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { allocUninitialized, type Transform, type TransformFn } from "./transform-utils.js";

/** The seed of batch `b` in an epoch whose base seed is `base` (a cheap, well-spread mix). */
export function batchSeed(base: number, b: number): number {
  return (base + Math.imul(b + 1, 0x9e3779b9)) >>> 0;
}

/** Row k of a batch tensor, as a view. */
export function row(batch: Tensor, k: number): Tensor {
  return new Tensor(
    batch.storage,
    batch.shape.slice(1),
    batch.strides.slice(1),
    batch.offset + k * batch.strides[0],
  );
}

/**
 * `transform` applied to each row of `input` ([N, ...]) with `new Generator(seed)`, stacked into
 * one new [N, ...out] tensor. Every output must have the same shape and dtype. Without a seed the
 * transform draws from its own generator (or the default one), as a dataset's transform does.
 * Example: `applyPerSample(images, new RandomHorizontalFlip(), 1234)`.
 */
export function applyPerSample(
  input: Tensor,
  transform: Transform<any> | TransformFn<any>,
  seed?: number,
): Tensor {
  const gen = seed === undefined ? undefined : new Generator(seed);
  const n = input.shape[0];
  if (n === 0) return input;
  let out: Tensor | null = null;
  let rowSize = 0;
  for (let k = 0; k < n; k++) {
    const x = row(input, k);
    const y = typeof transform === "function" ? transform(x, gen) : transform.forward(x, gen);
    if (!(y instanceof Tensor))
      throw new TypeError(`DataLoader transform: sample ${k} did not produce a Tensor`);
    if (out === null) {
      rowSize = y.numel();
      out = Tensor.fromArray(allocUninitialized(y.dtype, n * rowSize), [n, ...y.shape]);
    } else if (
      y.dtype !== out.dtype ||
      y.ndim !== out.ndim - 1 ||
      y.shape.some((s, d) => s !== out!.shape[d + 1])
    ) {
      throw new Error(
        `DataLoader transform: sample ${k} of the batch is ${y.dtype} ${fmtShape(y.shape)} but sample 0 is ${out.dtype} ${fmtShape(out.shape.slice(1))}; a batch needs equal shapes`,
      );
    }
    const dst = out.storage.data.subarray(k * rowSize, (k + 1) * rowSize);
    if (y.isContiguous()) dst.set(y.storage.data.subarray(y.offset, y.offset + rowSize));
    else dst.set(y.data());
  }
  return out!;
}
