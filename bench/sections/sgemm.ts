// sgemm rows: GFLOP/s of `nb.matmul` on float32 [n, n] tensors (output allocation included, as in
// `torch.mm`), NN and TN (A a transposed view, read in place by the kernel), on 1 thread and all;
// the notes add the addon's sgemm kernel alone.
import { loadNativeAddon } from "../../src/backend/native/addon.js";
import * as nb from "../../src/index.js";
import { bestTime } from "./timing.js";
import { allCores, withNablaThreads } from "./threads.js";
import type { BenchOptions, Workload } from "./workload.js";

const addon = loadNativeAddon();
let first = true;

/** Samples and calls per sample: each sample does about `flopPerSample` of work. */
function repeats(n: number, quick: boolean): { samples: number; inner: number } {
  const flopPerSample = quick ? 2e8 : 1e9;
  return { samples: quick ? 3 : 7, inner: Math.max(1, Math.round(flopPerSample / (2 * n ** 3))) };
}

function sgemmRow(n: number, transA: boolean, all: boolean, quick: boolean): Workload {
  const { samples, inner } = repeats(n, quick);
  const label = `${transA ? "TN" : "NN"} n=${n}, ${all ? "all threads" : "1 thread"}`;
  return {
    section: "sgemm",
    name: label,
    unit: "GFLOP/s",
    higherIsBetter: true,
    nabla: () =>
      withNablaThreads(all ? 0 : 1, () => {
        const a = nb.randn([n, n]);
        const b = nb.randn([n, n]);
        const lhs = transA ? a.t() : a;
        const gflops = (seconds: number) => (2 * n ** 3) / seconds / 1e9;
        // The first row also warms the process up: a fresh heap takes page faults as it grows.
        const warmup = first ? 1 : 0.25;
        first = false;
        const t = nb.noGrad(() => bestTime(() => nb.matmul(lhs, b), samples, inner, warmup));
        // The addon's kernel alone, into a reused output: what is left without dispatch and
        // allocation (whose page faults the notes count).
        const [A, B] = [a, b].map((x) => x.storage.data as Float32Array);
        const C = new Float32Array(n * n);
        const sgemm = () => addon!.sgemm(transA, false, n, n, n, 1, A!, 0, n, B!, 0, n, 0, C, 0, n);
        const note = addon
          ? `kernel alone ${gflops(bestTime(sgemm, samples, inner).seconds).toFixed(1)}`
          : undefined;
        return { value: gflops(t.seconds), faults: t.faults, note };
      }),
    torch: { kind: "sgemm", n, transA, threads: all ? allCores() : 1, samples, inner },
    target: n === 1024 && all ? { ratio: 0.9 } : undefined,
  };
}

/** The sgemm rows: n = 64 ... 2048 (1024 with --quick), 1 thread then all, NN then TN. */
export function sgemmWorkloads(opts: BenchOptions): Workload[] {
  const sizes = opts.quick ? [64, 128, 256, 512, 1024] : [64, 128, 256, 512, 1024, 2048];
  const rows: Workload[] = [];
  for (const all of [false, true])
    for (const n of sizes)
      for (const transA of [false, true]) rows.push(sgemmRow(n, transA, all, opts.quick));
  return rows;
}
