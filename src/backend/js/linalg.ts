import type { TypedArray } from "../../tensor/dtype.js";

/**
 * Reference batched GEMM. The i-k-j loop order streams rows of B and of the output, which is the
 * cache-friendly order for row-major data; transposed operands are read through their strides.
 */
export function matmul(
  a: TypedArray,
  aOffset: number,
  aBatchStride: number,
  transA: boolean,
  b: TypedArray,
  bOffset: number,
  bBatchStride: number,
  transB: boolean,
  out: TypedArray,
  batch: number,
  M: number,
  N: number,
  K: number,
): void {
  // op(A)[i, k] is at i * aI + k * aK, and op(B)[k, j] at k * bK + j * bJ.
  const aI = transA ? 1 : K;
  const aK = transA ? M : 1;
  const bK = transB ? 1 : N;
  const bJ = transB ? K : 1;
  const acc = new Float64Array(N);
  for (let bt = 0; bt < batch; bt++) {
    const ao = aOffset + bt * aBatchStride;
    const bo = bOffset + bt * bBatchStride;
    const oo = bt * M * N;
    for (let i = 0; i < M; i++) {
      acc.fill(0);
      for (let k = 0; k < K; k++) {
        const aik = a[ao + i * aI + k * aK];
        if (aik === 0) continue;
        const bk = bo + k * bK;
        for (let j = 0; j < N; j++) acc[j] += aik * b[bk + j * bJ];
      }
      for (let j = 0; j < N; j++) out[oo + i * N + j] = acc[j];
    }
  }
}
