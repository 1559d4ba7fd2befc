import { describe, it } from "node:test";
import { SKIP, assertClose, nat, randF32, randF64 } from "./helpers.js";

// Reference batch norm in double: biased variance in the forward pass, and the standard
// training-mode backward through the batch statistics.
function ref(
  x: ArrayLike<number>,
  w: ArrayLike<number> | null,
  b: ArrayLike<number> | null,
  N: number,
  C: number,
  HW: number,
  eps: number,
) {
  const out = new Float64Array(N * C * HW),
    mean = new Float64Array(C),
    invstd = new Float64Array(C);
  const cnt = N * HW;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) for (let i = 0; i < HW; i++) s += x[(n * C + c) * HW + i]!;
    const m = s / cnt;
    let q = 0;
    for (let n = 0; n < N; n++)
      for (let i = 0; i < HW; i++) q += (x[(n * C + c) * HW + i]! - m) ** 2;
    mean[c] = m;
    invstd[c] = 1 / Math.sqrt(q / cnt + eps);
    for (let n = 0; n < N; n++)
      for (let i = 0; i < HW; i++) {
        const k = (n * C + c) * HW + i;
        out[k] = (x[k]! - m) * invstd[c]! * (w ? w[c]! : 1) + (b ? b[c]! : 0);
      }
  }
  return { out, mean, invstd };
}

function refBackward(
  go: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number> | null,
  mean: ArrayLike<number>,
  invstd: ArrayLike<number>,
  N: number,
  C: number,
  HW: number,
) {
  const gx = new Float64Array(N * C * HW),
    gw = new Float64Array(C),
    gb = new Float64Array(C);
  const cnt = N * HW;
  for (let c = 0; c < C; c++) {
    let sg = 0,
      sgx = 0;
    for (let n = 0; n < N; n++)
      for (let i = 0; i < HW; i++) {
        const k = (n * C + c) * HW + i;
        sg += go[k]!;
        sgx += go[k]! * (x[k]! - mean[c]!) * invstd[c]!;
      }
    gb[c] = sg;
    gw[c] = sgx;
    for (let n = 0; n < N; n++)
      for (let i = 0; i < HW; i++) {
        const k = (n * C + c) * HW + i;
        const xhat = (x[k]! - mean[c]!) * invstd[c]!;
        gx[k] = (w ? w[c]! : 1) * invstd[c]! * (go[k]! - sg / cnt - (xhat * sgx) / cnt);
      }
  }
  return { gx, gw, gb };
}

describe("batch norm", { skip: SKIP }, () => {
  for (const f64 of [false, true]) {
    it(`train forward, eval forward and backward match the reference (${f64 ? "f64" : "f32"})`, () => {
      const m = nat();
      const mk = (n: number, seed: number, lo = -1, hi = 1) =>
        f64 ? randF64(n, seed, lo, hi) : randF32(n, seed, lo, hi);
      const zeros = (n: number) => (f64 ? new Float64Array(n) : new Float32Array(n));
      const tol = f64 ? 1e-10 : 2e-4;
      let seed = 1;
      for (const [N, C, HW] of [
        [1, 1, 7],
        [7, 3, 1],
        [4, 5, 33],
        [2, 33, 129],
        [16, 6, 784],
        [2, 3, 4099], // planes above the row-sweep limit go one channel at a time
        [256, 120, 1], // BatchNorm1d of a LeNet-BN hidden layer
      ] as const) {
        for (const affine of [true, false]) {
          // A large offset checks that the variance does not cancel.
          const x = mk(N * C * HW, seed++, 99, 101);
          const w = affine ? mk(C, seed++) : null,
            b = affine ? mk(C, seed++) : null;
          const r = ref(x, w, b, N, C, HW, 1e-5);
          const out = zeros(x.length),
            sm = zeros(C),
            si = zeros(C);
          m.batchNormForwardTrain(x, w, b, out, sm, si, N, C, HW, 1e-5);
          assertClose(sm, r.mean, tol, tol, "saveMean");
          assertClose(si, r.invstd, tol, tol, "saveInvStd");
          assertClose(out, r.out, tol, tol * 10, `train out ${N},${C},${HW}`);

          const rm = mk(C, seed++),
            rv = mk(C, seed++, 0.5, 2);
          const evalOut = zeros(x.length);
          m.batchNormForwardEval(x, w, b, rm, rv, evalOut, N, C, HW, 1e-5);
          const want = new Float64Array(x.length);
          for (let n = 0; n < N; n++)
            for (let c = 0; c < C; c++)
              for (let i = 0; i < HW; i++) {
                const k = (n * C + c) * HW + i;
                want[k] =
                  ((x[k]! - rm[c]!) / Math.sqrt(rv[c]! + 1e-5)) * (w ? w[c]! : 1) + (b ? b[c]! : 0);
              }
          assertClose(evalOut, want, tol, tol, "eval out");

          const go = mk(x.length, seed++);
          const rb = refBackward(go, x, w, sm, si, N, C, HW);
          const gx = zeros(x.length),
            gw = zeros(C),
            gb = zeros(C);
          m.batchNormBackward(
            go,
            x,
            w,
            sm,
            si,
            gx,
            affine ? gw : null,
            affine ? gb : null,
            N,
            C,
            HW,
          );
          assertClose(gx, rb.gx, tol * 10, tol * 10, `gradX ${N},${C},${HW}`);
          if (affine) {
            assertClose(gw, rb.gw, tol * 10, tol * 10, "gradWeight");
            assertClose(gb, rb.gb, tol, tol * 10, "gradBias");
          }
        }
      }
    });
  }
});
