// Measures one row of another section in a fresh process, on the addon NABLA_NATIVE_PATH names
// (the prebuilt section runs every row here twice, once per binary). Prints one JSON Measure.
// Usage (by bench/sections/prebuilt.ts): node --import tsx row-child.ts <section> <row> [--quick]
import { loadNativeAddon } from "../../src/backend/native/addon.js";
import { getBackend } from "../../src/index.js";
import { convWorkloads } from "./conv.js";
import { overheadWorkloads } from "./overhead.js";
import { sgemmWorkloads } from "./sgemm.js";
import { trainWorkloads } from "./train.js";
import type { BenchOptions, Workload } from "./workload.js";

const [section, row] = process.argv.slice(2);
const opts: BenchOptions = { quick: process.argv.includes("--quick"), only: [], torch: false };
const builders: Record<string, (o: BenchOptions) => Workload[]> = {
  sgemm: sgemmWorkloads,
  conv: convWorkloads,
  train: trainWorkloads,
  overhead: overheadWorkloads,
};
const workload = builders[section!]?.(opts).find((w) => w.name === row);
if (!workload) throw new Error(`row-child: no row "${row}" in section "${section}"`);
const measure = await workload.nabla();
console.log(
  JSON.stringify({ ...measure, backend: getBackend().name, isa: loadNativeAddon()?.isa ?? "" }),
);
