// sgemm throughput of the native addon: GFLOP/s for square products, NN / TN / NT, on one thread
// and on all of them. Run: npx tsx bench/native-gemm.ts [maxN]
import { loadNativeAddon } from "../src/backend/native/addon.js";

const m = loadNativeAddon();
if (!m) {
  console.log("native addon not available; nothing to measure");
  process.exit(0);
}
const maxN = Number(process.argv[2] ?? 2048);
const all = m.getNumThreads();

function gflops(n: number, ta: boolean, tb: boolean): number {
  const A = new Float32Array(n * n).map(() => Math.random() - 0.5);
  const B = new Float32Array(n * n).map(() => Math.random() - 0.5);
  const C = new Float32Array(n * n);
  const run = () => m!.sgemm(ta, tb, n, n, n, 1, A, 0, n, B, 0, n, 0, C, 0, n);
  run();
  // Best of several timed batches, each at least ~50 ms.
  const flop = 2 * n * n * n;
  const reps = Math.max(1, Math.round(5e9 / flop));
  let best = Number.POSITIVE_INFINITY;
  for (let t = 0; t < 5; t++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) run();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9 / reps);
  }
  return flop / best / 1e9;
}

console.log(`sgemm GFLOP/s (${m.simdLevel()}, best of 5)`);
console.log("threads      n       NN       TN       NT");
for (const threads of all > 1 ? [1, all] : [1]) {
  m.setNumThreads(threads);
  for (let n = 64; n <= maxN; n *= 2) {
    const row = [gflops(n, false, false), gflops(n, true, false), gflops(n, false, true)];
    console.log(
      `${String(threads).padStart(7)} ${String(n).padStart(6)} ${row.map((g) => g.toFixed(1).padStart(8)).join(" ")}`,
    );
  }
}
m.setNumThreads(0);
