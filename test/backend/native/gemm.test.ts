import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SKIP, assertClose, nat, randF32, randF64 } from "./helpers.js";

// Reference: C = alpha * op(A) @ op(B) + beta * C with a plain triple loop in double.
function refGemm(
  ta: boolean,
  tb: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: ArrayLike<number>,
  aOff: number,
  lda: number,
  B: ArrayLike<number>,
  bOff: number,
  ldb: number,
  beta: number,
  C: Float64Array | Float32Array,
  cOff: number,
  ldc: number,
): void {
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = ta ? A[aOff + k * lda + i]! : A[aOff + i * lda + k]!;
        const b = tb ? B[bOff + j * ldb + k]! : B[bOff + k * ldb + j]!;
        s += a * b;
      }
      const c = cOff + i * ldc + j;
      C[c] = alpha * s + (beta === 0 ? 0 : beta * C[c]!);
    }
}

const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [7, 7, 7],
  [1, 33, 7],
  [33, 1, 129],
  [33, 129, 7],
  [129, 33, 33],
  [7, 129, 1],
  [13, 35, 300],
  [200, 70, 520],
];

describe("sgemm", { skip: SKIP }, () => {
  for (const threads of [1, 2]) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`matches the triple loop, trans ${+ta}${+tb}, ${threads} thread(s)`, () => {
        const m = nat();
        m.setNumThreads(threads);
        let seed = 1;
        for (const [M, N, K] of SIZES) {
          for (const [alpha, beta] of [
            [1, 0],
            [0.5, 1],
            [-2, 0.25],
          ]) {
            // Padded leading dims and offsets, so strides and offsets are really used.
            const lda = (ta ? M : K) + 3,
              ldb = (tb ? K : N) + 1,
              ldc = N + 2;
            const aOff = 5,
              bOff = 2,
              cOff = 3;
            const A = randF32(aOff + (ta ? K : M) * lda, seed++);
            const B = randF32(bOff + (tb ? N : K) * ldb, seed++);
            const C = randF32(cOff + M * ldc, seed++);
            const want = Float64Array.from(C);
            refGemm(ta, tb, M, N, K, alpha!, A, aOff, lda, B, bOff, ldb, beta!, want, cOff, ldc);
            m.sgemm(ta, tb, M, N, K, alpha!, A, aOff, lda, B, bOff, ldb, beta!, C, cOff, ldc);
            assertClose(
              C,
              want,
              1e-4,
              1e-4 * Math.sqrt(K),
              `sgemm ${M}x${N}x${K} a=${alpha} b=${beta}`,
            );
          }
        }
        m.setNumThreads(0);
      });
    }
  }

  it("large square products (several cache blocks, both threads)", () => {
    const m = nat();
    for (const n of [257, 511]) {
      const A = randF32(n * n, 7),
        B = randF32(n * n, 8),
        C = new Float32Array(n * n);
      const want = new Float64Array(n * n);
      refGemm(true, false, n, n, n, 1, A, 0, n, B, 0, n, 0, want, 0, n);
      m.sgemm(true, false, n, n, n, 1, A, 0, n, B, 0, n, 0, C, 0, n);
      assertClose(C, want, 1e-4, 1e-4 * Math.sqrt(n), `sgemm TN ${n}`);
    }
  });

  it("beta = 0 ignores NaN in C; K = 0 scales C", () => {
    const m = nat();
    const A = randF32(6, 1),
      B = randF32(6, 2);
    const C = new Float32Array(4).fill(Number.NaN);
    m.sgemm(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2);
    assert.ok(C.every((v) => Number.isFinite(v)));
    const D = new Float32Array([1, 2, 3, 4]);
    m.sgemm(false, false, 2, 2, 0, 1, A, 0, 1, B, 0, 2, 3, D, 0, 2);
    assert.deepEqual(Array.from(D), [3, 6, 9, 12]);
    m.sgemm(false, false, 2, 2, 0, 1, A, 0, 1, B, 0, 2, 0, D, 0, 2);
    assert.deepEqual(Array.from(D), [0, 0, 0, 0]);
  });

  it("rejects out-of-bounds operands and wrong array types", () => {
    const m = nat();
    const A = new Float32Array(5),
      B = new Float32Array(6),
      C = new Float32Array(4);
    assert.throws(
      () => m.sgemm(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2),
      /sgemm: A needs/,
    );
    assert.throws(
      () => m.sgemm(false, false, 2, 2, 3, 1, B, 0, 2, B, 0, 2, 0, C, 0, 2),
      /leading dimension/,
    );
    assert.throws(
      () =>
        m.sgemm(
          false,
          false,
          1,
          1,
          1,
          1,
          new Float64Array(1) as unknown as Float32Array,
          0,
          1,
          B,
          0,
          1,
          0,
          C,
          0,
          1,
        ),
      /Float32Array/,
    );
  });
});

describe("sgemmBatched", { skip: SKIP }, () => {
  it("matches per-batch products, with a broadcast operand", () => {
    const m = nat();
    let seed = 100;
    for (const [batch, M, N, K] of [
      [1, 7, 7, 7],
      [5, 33, 7, 129],
      [3, 1, 33, 7],
      [4, 65, 70, 40],
    ]) {
      for (const [ta, tb] of [
        [false, false],
        [true, true],
        [false, true],
        [true, false],
      ] as const) {
        for (const broadcastA of [false, true]) {
          const lda = ta ? M : K,
            ldb = tb ? K : N;
          const sA = broadcastA ? 0 : M * K + 1,
            sB = K * N + 2,
            sC = M * N + 3;
          const A = randF32(1 + (broadcastA ? 1 : batch!) * (M! * K! + 1), seed++);
          const B = randF32(batch! * sB, seed++);
          const C = randF32(batch! * sC, seed++);
          const want = Float64Array.from(C);
          for (let b = 0; b < batch!; b++)
            refGemm(
              ta,
              tb,
              M!,
              N!,
              K!,
              1.5,
              A,
              1 + b * sA,
              lda,
              B,
              b * sB,
              ldb,
              0.5,
              want,
              b * sC,
              N!,
            );
          m.sgemmBatched(
            batch!,
            ta,
            tb,
            M!,
            N!,
            K!,
            1.5,
            A,
            1,
            sA,
            lda,
            B,
            0,
            sB,
            ldb,
            0.5,
            C,
            0,
            sC,
            N!,
          );
          assertClose(
            C,
            want,
            1e-4,
            1e-4 * Math.sqrt(K!),
            `batched ${batch}x${M}x${N}x${K} ${ta}${tb}`,
          );
        }
      }
    }
  });
});

describe("dgemm", { skip: SKIP }, () => {
  it("matches the triple loop in double precision", () => {
    const m = nat();
    let seed = 500;
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      for (const [M, N, K] of SIZES) {
        const lda = ta ? M : K,
          ldb = tb ? K : N;
        const A = randF64(M * K, seed++),
          B = randF64(K * N, seed++),
          C = randF64(M * N, seed++);
        const want = Float64Array.from(C);
        refGemm(ta, tb, M, N, K, 0.75, A, 0, lda, B, 0, ldb, -1, want, 0, N);
        m.dgemm(ta, tb, M, N, K, 0.75, A, 0, lda, B, 0, ldb, -1, C, 0, N);
        assertClose(C, want, 1e-12, 1e-12 * K, `dgemm ${M}x${N}x${K}`);
      }
    }
  });

  it("dgemmBatched matches per-batch products", () => {
    const m = nat();
    const [batch, M, N, K] = [3, 17, 9, 33];
    const A = randF64(batch * M * K, 1),
      B = randF64(K * N, 2),
      C = new Float64Array(batch * M * N);
    const want = new Float64Array(batch * M * N);
    for (let b = 0; b < batch; b++)
      refGemm(false, false, M, N, K, 1, A, b * M * K, K, B, 0, N, 0, want, b * M * N, N);
    m.dgemmBatched(batch, false, false, M, N, K, 1, A, 0, M * K, K, B, 0, 0, N, 0, C, 0, M * N, N);
    assertClose(C, want, 1e-12, 1e-12, "dgemmBatched");
  });
});

describe("thread pool", { skip: SKIP }, () => {
  it("setNumThreads / getNumThreads", () => {
    const m = nat();
    m.setNumThreads(3);
    assert.equal(m.getNumThreads(), 3);
    m.setNumThreads(1);
    assert.equal(m.getNumThreads(), 1);
    m.setNumThreads(0);
    assert.ok(m.getNumThreads() >= 1);
  });
});
