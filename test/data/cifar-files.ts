// CIFAR-10 batch files in the dataset's binary format, for the CIFAR10 tests and the doc snippets.
// Each record is 1 label byte and 3072 pixel bytes (the R plane, then G, then B, each 32x32).

/** Bytes per record: 1 label byte + 3072 pixel bytes. */
export const CIFAR_RECORD = 3073;

/** Byte j of image n's 3072 pixel bytes (the R plane, then G, then B, each 32x32 row by row). */
export const cifarPixel = (n: number, j: number) => (n * 31 + j * 7 + (j >> 10) * 50) % 256;

/** A batch file of images `first`, `first + 1`, ... with the given labels. Example: `cifarBatch(0, [3, 8])`. */
export function cifarBatch(first: number, labels: number[]): Buffer {
  const out = Buffer.alloc(labels.length * CIFAR_RECORD);
  labels.forEach((label, k) => {
    out[k * CIFAR_RECORD] = label;
    for (let j = 0; j < 3072; j++) out[k * CIFAR_RECORD + 1 + j] = cifarPixel(first + k, j);
  });
  return out;
}
