// `npm run bench [-- --quick] [--only sgemm,conv,train,overhead,prebuilt] [--no-torch]`: one table of
// nabla beside PyTorch (as-is and in its fastest configuration), row by row in one invocation;
// also written to bench/results/latest.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { convWorkloads } from "./sections/conv.js";
import { headerLines } from "./sections/header.js";
import { parseOptions } from "./sections/options.js";
import { prebuiltWorkloads } from "./sections/prebuilt.js";
import { overheadWorkloads } from "./sections/overhead.js";
import { sgemmWorkloads } from "./sections/sgemm.js";
import { measureRow, setWaitBudget } from "./sections/measure.js";
import { formatRow, TABLE_HEAD } from "./sections/table.js";
import { startTorchWorkers } from "./sections/torch.js";
import { trainWorkloads } from "./sections/train.js";
import type { BenchOptions, SectionName, Workload } from "./sections/workload.js";

const BUILDERS: Record<SectionName, (o: BenchOptions) => Workload[]> = {
  sgemm: sgemmWorkloads,
  conv: convWorkloads,
  train: trainWorkloads,
  overhead: overheadWorkloads,
  prebuilt: prebuiltWorkloads,
};

let opts: BenchOptions;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const { workers, status } = await startTorchWorkers(opts.torch);

const out: string[] = [...headerLines(opts, status), "", ...TABLE_HEAD];
console.log(out.join("\n"));

const tries = opts.quick ? 2 : 4;
setWaitBudget(opts.quick ? 120 : 900);
for (const section of opts.only) {
  for (const w of BUILDERS[section](opts)) {
    const { cells, notes } = await measureRow(w, workers, tries);
    const row = formatRow(w, ...cells, notes);
    out.push(row);
    console.log(row);
  }
}

for (const w of workers) w?.close();
out.push("", `Load average at the end: ${loadavg()[0]!.toFixed(2)}.`);
console.log(out.at(-1));
const results = join(fileURLToPath(new URL(".", import.meta.url)), "results");
mkdirSync(results, { recursive: true });
writeFileSync(join(results, "latest.md"), `${out.join("\n")}\n`);
console.log(`\n(also written to bench/results/latest.md)`);
