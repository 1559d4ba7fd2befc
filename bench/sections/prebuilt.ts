// Prebuilt-binary rows: the multi-variant addon that ships in the npm package (kernels for a
// portable baseline, AVX2+FMA and AVX-512, one picked at load) against the addon compiled for
// this machine alone with -march=native, as every install compiled it before. Each row of
// another section runs in a fresh child process on each binary, alternately, best of each kept;
// the value is the prebuilt binary's, and the notes give the -march=native one and the ratio.
import { execFile, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { isPrebuildCurrent, prebuildFile } from "../../scripts/native-build.mjs";
import { nativeAddonPath } from "../../src/backend/native/addon.js";
import type { BenchOptions, Measure, SectionName, Workload } from "./workload.js";

/** The rows compared: GEMM, the convolutions, elementwise dispatch and whole training epochs. */
const ROWS: { section: SectionName; name: string; unit: string; higherIsBetter: boolean }[] = [
  { section: "sgemm", name: "NN n=256, 1 thread", unit: "GFLOP/s", higherIsBetter: true },
  { section: "sgemm", name: "NN n=1024, all threads", unit: "GFLOP/s", higherIsBetter: true },
  { section: "sgemm", name: "TN n=1024, all threads", unit: "GFLOP/s", higherIsBetter: true },
  {
    section: "conv",
    name: "LeNet conv2 (256, 6→16, 14², k5) fwd+bwd",
    unit: "ms",
    higherIsBetter: false,
  },
  {
    section: "conv",
    name: "ResNet 3×3 (32, 64→64, 28², k3 p1) fwd+bwd",
    unit: "ms",
    higherIsBetter: false,
  },
  { section: "overhead", name: "1000-element add, grad off", unit: "µs/op", higherIsBetter: false },
  { section: "train", name: "MLP 784-256-10 (lr 0.1)", unit: "examples/s", higherIsBetter: true },
  { section: "train", name: "LeNet (lr 0.9)", unit: "examples/s", higherIsBetter: true },
  { section: "train", name: "LeNet-BN (lr 1.0)", unit: "examples/s", higherIsBetter: true },
];

/** The prebuilt binary must reach this share of the -march=native build's speed. */
const TARGET = 0.95;

/**
 * The package's prebuilt binary if `npm pack` made one from these sources, else the same
 * multi-variant build in build/Release.
 */
function prebuiltPath(): string {
  return isPrebuildCurrent() ? prebuildFile() : nativeAddonPath();
}

let marchNative: string | null = null;

/** Builds (once, when out of date) and returns the -march=native addon. */
function marchNativePath(): string {
  if (marchNative !== null) return marchNative;
  const script = fileURLToPath(
    new URL("../../native/tools/build-march-native.mjs", import.meta.url),
  );
  const r = spawnSync(process.execPath, [script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`the -march=native build failed: ${r.stderr.trim()}`);
  marchNative = r.stdout.trim().split("\n").pop()!;
  return marchNative;
}

/** Measures a row in a child process on `addon`, whose variant must pass `isaOk`. */
async function measureIn(
  addon: string,
  isaOk: (isa: string) => boolean,
  section: string,
  row: string,
  quick: boolean,
): Promise<Measure> {
  const child = fileURLToPath(new URL("./row-child.ts", import.meta.url));
  const args = ["--import", import.meta.resolve("tsx"), child, section, row];
  if (quick) args.push("--quick");
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    env: { ...process.env, NABLA_NATIVE_PATH: addon, NABLA_BACKEND: "native", NABLA_ISA: "" },
    maxBuffer: 1 << 24,
  });
  const m = JSON.parse(stdout.trim().split("\n").pop()!) as Measure & {
    backend: string;
    isa: string;
  };
  if (m.backend !== "native") throw new Error(`the child ran on the ${m.backend} backend`);
  // The prebuilt side must be the multi-variant build, the other the -march=native one.
  if (!isaOk(m.isa)) throw new Error(`${addon} ran the "${m.isa}" variant`);
  return m;
}

/** The prebuilt rows. */
export function prebuiltWorkloads(opts: BenchOptions): Workload[] {
  const rounds = opts.quick ? 1 : 2;
  return ROWS.map((r) => {
    let native: number | null = null;
    let prebuilt: number | null = null;
    const better = (a: number | null, b: number) =>
      a === null ? b : r.higherIsBetter ? Math.max(a, b) : Math.min(a, b);
    return {
      section: "prebuilt",
      name: `${r.section}: ${r.name}`,
      unit: r.unit,
      higherIsBetter: r.higherIsBetter,
      nabla: async () => {
        const nativePath = marchNativePath();
        for (let i = 0; i < rounds; i++) {
          prebuilt = better(
            prebuilt,
            (
              await measureIn(
                prebuiltPath(),
                (isa) => isa !== "native",
                r.section,
                r.name,
                opts.quick,
              )
            ).value,
          );
          native = better(
            native,
            (await measureIn(nativePath, (isa) => isa === "native", r.section, r.name, opts.quick))
              .value,
          );
        }
        return { value: prebuilt! };
      },
      torch: null,
      note: () => {
        if (native === null || prebuilt === null) return "";
        // As a speed: above 1 means the prebuilt binary is faster, whatever the unit's direction.
        const speed = r.higherIsBetter ? prebuilt / native : native / prebuilt;
        const mark = speed >= TARGET ? "✓" : "✗";
        const digits = native >= 100 ? 0 : native >= 10 ? 1 : 2;
        return `-march=native build ${native.toFixed(digits)}; prebuilt speed ÷ native ${speed.toFixed(2)}× (target ≥ ${TARGET.toFixed(2)}×) ${mark}`;
      },
    };
  });
}
