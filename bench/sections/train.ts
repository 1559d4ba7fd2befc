// Training rows: examples/s over an epoch of Fashion-MNIST (60,000 images; 10,000 with --quick)
// for the registry's softmax, mlp, lenet and lenet-bn, batch 256, SGD; then the page-fault
// measurement: LeNet-BN on glibc's default malloc and with malloc keeping freed pages.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadFashionMnist } from "../../src/data/embedded.js";
import { getBackend } from "../../src/index.js";
import { get as getModel } from "../../src/models/registry.js";
import { allCores } from "./threads.js";
import { KEEP_PAGES_ENV } from "./torch.js";
import type { ChildSpec } from "./train-child.js";
import type { BenchOptions, Measure, Workload } from "./workload.js";

const MODELS: { model: string; label: string; init: "normal" | "xavier" }[] = [
  { model: "softmax", label: "softmax regression (lr 0.1)", init: "normal" },
  { model: "mlp", label: "MLP 784-256-10 (lr 0.1)", init: "normal" },
  { model: "lenet", label: "LeNet (lr 0.9)", init: "xavier" },
  { model: "lenet-bn", label: "LeNet-BN (lr 1.0)", init: "xavier" },
];

/** The training images (every 6th with --quick, so all classes stay) as raw uint8 files for both sides. */
function trainingData(quick: boolean) {
  const ds = loadFashionMnist("train");
  const step = quick ? 6 : 1;
  const count = Math.floor(ds.count / step);
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    images.set(ds.images.subarray(i * step * 784, (i * step + 1) * 784), i * 784);
    labels[i] = ds.labels[i * step]!;
  }
  const dir = mkdtempSync(join(tmpdir(), "nabla-bench-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const files = { images: join(dir, "images.u8"), labels: join(dir, "labels.u8") };
  writeFileSync(files.images, images);
  writeFileSync(files.labels, labels);
  return { count, files };
}

/** Runs `spec` in a child process with environment `env`. */
async function trainInChild(spec: ChildSpec, env: NodeJS.ProcessEnv): Promise<Measure> {
  const child = fileURLToPath(new URL("./train-child.ts", import.meta.url));
  const tsx = import.meta.resolve("tsx");
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", tsx, child, JSON.stringify(spec)],
    { env, maxBuffer: 1 << 20 },
  );
  const result = JSON.parse(stdout.trim().split("\n").pop()!) as Measure & { backend: string };
  if (result.backend !== getBackend().name)
    throw new Error(
      `the child ran on the ${result.backend} backend, this process on ${getBackend().name}`,
    );
  return { value: result.value, faults: result.faults, first: result.first };
}

/**
 * The training rows, then LeNet-BN again without nabla's memory pool (NABLA_POOL=0: every tensor
 * from V8's allocator, i.e. glibc's malloc), and with malloc told to keep freed pages as torch fast
 * is. nabla runs each row in a fresh child process, so that a row does not depend on what earlier
 * rows did to the heap (glibc raises its mmap threshold after freeing a large block: after the
 * sgemm rows, later rows would see fewer page faults than a fresh process). The training rows run
 * as users get nabla: MALLOC_* unset, the pool on.
 */
export function trainWorkloads(opts: BenchOptions): Workload[] {
  const data = trainingData(opts.quick);
  // Two warm-up epochs on both sides: V8 keeps compiling nabla's hot functions for the first
  // epochs (MLP: 120-150 ms of TurboFan compiles in each of the first three epochs of ~0.3 s, on
  // a thread that takes the GEMM worker's core; 10-50 ms from the fifth on), so the rows measure
  // steady-state training, and the notes give each side's first epoch. Then the best of 3 epochs:
  // one epoch of the small models takes 0.1-0.4 s, short enough for a GC pause or a neighbour on
  // the shared machine to move it by 20%. The quick mode warms up with 5 batches.
  const warmup = opts.quick
    ? { warmupEpochs: 0, warmupBatches: 5 }
    : { warmupEpochs: 2, warmupBatches: 0 };
  const common = { count: data.count, ...warmup, epochs: opts.quick ? 1 : 3 };
  const unset = { ...process.env };
  for (const k of Object.keys(KEEP_PAGES_ENV)) delete unset[k];
  let lenetBN: Measure | null = null; // for the notes of the last rows
  const rows: Workload[] = MODELS.map(({ model, label, init }) => {
    const spec: ChildSpec = { model, init, ...common, ...data.files };
    return {
      section: "train",
      name: label,
      unit: "examples/s",
      higherIsBetter: true,
      nabla: async () => {
        const m = await trainInChild(spec, unset);
        if (model === "lenet-bn") lenetBN = m;
        return m;
      },
      torch: {
        kind: "train",
        model,
        init,
        lr: getModel(model).defaults.lr,
        batchSize: getModel(model).defaults.batchSize,
        threads: allCores(),
        ...common,
        ...data.files,
      },
      target: { ratio: 1.0 },
    };
  });
  const spec: ChildSpec = { model: "lenet-bn", init: "xavier", ...common, ...data.files };
  const variants: [string, NodeJS.ProcessEnv][] = [
    ["glibc malloc, no memory pool (NABLA_POOL=0)", { ...unset, NABLA_POOL: "0" }],
    [
      "MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ set (as torch fast)",
      { ...unset, ...KEEP_PAGES_ENV },
    ],
  ];
  for (const [label, env] of variants) {
    let m: Measure | null = null;
    rows.push({
      section: "train",
      name: `LeNet-BN, nabla on ${label}`,
      unit: "examples/s",
      higherIsBetter: true,
      nabla: async () => (m = await trainInChild(spec, env)),
      torch: null,
      note: () => (lenetBN && m ? `${(m.value / lenetBN.value).toFixed(2)}× the LeNet-BN row` : ""),
    });
  }
  return rows;
}
