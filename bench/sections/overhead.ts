// Per-op overhead rows (bench/overhead.ts's cases): median µs per op of a 10,000-op chain, beside
// the same chain in PyTorch; the goal is <= 5 µs per tiny (1-element) op.
import { OVERHEAD_CASES, timeCase } from "../overhead.js";
import { allCores } from "./threads.js";
import type { BenchOptions, Workload } from "./workload.js";

/** The overhead rows, grad recording off then on. */
export function overheadWorkloads(opts: BenchOptions): Workload[] {
  const ops = opts.quick ? 2000 : 10_000;
  const samples = 7;
  return OVERHEAD_CASES.map((c) => ({
    section: "overhead",
    name: `${c.case}, grad ${c.grad ? "on" : "off"}`,
    unit: "µs/op",
    higherIsBetter: false,
    nabla: () => ({ value: timeCase(c, ops, samples) }),
    torch: {
      kind: "overhead",
      op: c.op,
      size: c.size,
      grad: c.grad,
      ops,
      samples,
      threads: allCores(),
    },
    goal: c.size === 1 ? 5 : undefined,
  }));
}
