// The header above the table: threads, backend, CPU flags, the environment variables that change
// PyTorch's speed, and what each PyTorch worker really runs with (its own report).
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { getBackend } from "../../src/index.js";
import { allCores, nablaSimd, nablaThreads } from "./threads.js";
import { KEEP_PAGES_ENV, type TorchStatus } from "./torch.js";
import type { BenchOptions } from "./workload.js";

function cpu(): { model: string; flags: string } {
  if (!existsSync("/proc/cpuinfo")) return { model: "unknown", flags: "unknown" };
  const text = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.*)$/m.exec(text)?.[1] ?? "unknown";
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? "").split(/\s+/));
  const has = (f: string) => `${f} ${flags.has(f) ? "yes" : "no"}`;
  return { model, flags: `${has("avx512f")}, ${has("avx2")}` };
}

const envState = (name: string) =>
  process.env[name] === undefined ? `${name} unset` : `${name}=${process.env[name]} set`;

function torchLine(t: TorchStatus): string {
  if (t.info === null || t.info.error !== undefined)
    return `- torch ${t.label}: unavailable (${t.why ?? t.info?.error})`;
  const i = t.info;
  const blas = i.blasLib
    ? `OpenBLAS from ${i.blasLib}, core ${i.blasCore}, ${i.blasThreads} BLAS threads`
    : "no OpenBLAS loaded";
  return `- torch ${t.label}: ${i.torch}; torch.get_num_threads() = ${i.threads} after set_num_threads(${allCores()}); ${blas}; env: ${t.env}`;
}

/** The header lines. */
export function headerLines(opts: BenchOptions, torch: TorchStatus[]): string[] {
  const { model, flags } = cpu();
  const numThreads = process.env.NABLA_NUM_THREADS;
  // A 2-thread kernel waits for its slowest thread; with more runnable processes than cores,
  // each preemption stalls it by a time slice (OpenMP's barriers suffer most).
  const busy = loadavg()[0]! > 1;
  return [
    `# nabla bench, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC${opts.quick ? " (--quick)" : ""}`,
    "",
    `- nabla: backend ${getBackend().name} (GEMM micro-kernel ${nablaSimd()}), ${nablaThreads()} thread${nablaThreads() === 1 ? "" : "s"} (NABLA_NUM_THREADS ${numThreads ?? "unset"}), Node ${process.version}`,
    `- CPU: ${model}, ${allCores()} cores; ${flags}; load average at start ${loadavg()[0]!.toFixed(2)}${busy ? " (**other processes are running: multi-threaded rows of both sides are unreliable**)" : ""}`,
    `- environment: ${envState("OPENBLAS_CORETYPE")}, ${envState("OPENBLAS_L2_SIZE")}; nabla process: ${Object.keys(KEEP_PAGES_ENV).map(envState).join(", ")}`,
    ...torch.map(torchLine),
    "- each row runs nabla, then torch as-is, then torch fast; ratios are nabla ÷ torch: above 1 is better for ↑ units, below 1 for ↓ units; targets compare with torch fast",
    `- sgemm: \`nb.matmul\` on float32 tensors (TN: A is a transposed view), output allocated per call, vs \`torch.mm\`; best of ${opts.quick ? 3 : 7} samples of ~${opts.quick ? "0.2" : "1"} GFLOP each after ≥ 0.25 s of warm-up; notes: the addon's sgemm alone into a reused output`,
    `- conv: \`nb.F.conv2d\` with bias vs \`nn.Conv2d\`, all threads, best of ${opts.quick ? 5 : 20} calls; fwd under noGrad/no_grad; fwd+bwd = conv(x, w, b).sum().backward() with x.requiresGrad`,
    `- train: nabla in a fresh child process per row, MALLOC_* unset and nabla's memory pool on unless the row says otherwise; ${opts.quick ? "10,000 (every 6th)" : "60,000"} Fashion-MNIST images preloaded as one float32 tensor on both sides, a fresh randperm per epoch, indexSelect/index_select per batch of 256, SGD, mean cross-entropy, grads set to None; ${opts.quick ? "5 warm-up batches" : "2 warm-up epochs (V8 is still optimising nabla's code during the first epochs; the notes give each side's first epoch)"}, then best of ${opts.quick ? 1 : 3} epoch(s)`,
    "- overhead: median of 7 chains of ops on the same thread count (bench/overhead.ts)",
    "- prebuilt: rows of the other sections, each in fresh child processes on the multi-variant binary that ships in the package (kernels for baseline, AVX2 and AVX-512, one picked at load; its value is the nabla column) and on an addon compiled for this machine alone with -march=native (the notes), alternately, best of each; no PyTorch",
    `- notes: page faults = minor page faults in the timed part (each costs µs on a VM); a side during which other processes used ≥ 0.15 cores is measured again once the machine is quiet (up to ${opts.quick ? 2 : 4} tries and ${opts.quick ? 2 : 15} minutes of waiting in all, the least disturbed kept; ⚠ marks what stayed disturbed)`,
  ];
}
