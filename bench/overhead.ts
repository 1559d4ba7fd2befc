// Per-op overhead of the dispatch path: µs per op for a chain of tiny ops and for a 1000-element
// add, with and without grad recording. The goal is <= 5 µs per tiny op.
// `npm run bench` shows these rows beside PyTorch's; `npx tsx bench/overhead.ts` prints them alone.
import * as nb from "nabla";

/** One row of the table. */
export interface OverheadRow {
  case: string;
  grad: boolean;
  ops: number;
  usPerOp: number;
}

/** One case: a chain of `ops` ops on tensors of `size` elements (`op` names it for PyTorch). */
export interface OverheadCase {
  case: string;
  op: "add" | "mulScalar";
  size: number;
  grad: boolean;
}

/** The cases, grad recording off then on. */
export const OVERHEAD_CASES: OverheadCase[] = [false, true].flatMap((grad) => [
  { case: "1-element add chain", op: "add" as const, size: 1, grad },
  { case: "1-element mul by a JS number", op: "mulScalar" as const, size: 1, grad },
  { case: "1000-element add", op: "add" as const, size: 1000, grad },
]);

/** Median µs per op of a chain of `ops` ops (bench/torch_worker.py's overhead does the same). */
export function timeCase(c: OverheadCase, ops: number, samples = 7): number {
  const x = nb.ones([c.size], { requiresGrad: c.grad });
  const one = nb.ones([c.size]);
  const step = c.op === "add" ? (y: nb.Tensor) => y.add(one) : (y: nb.Tensor) => y.mul(1.0001);
  const run = () => {
    let y = x;
    for (let i = 0; i < ops; i++) y = step(y);
    return y;
  };
  const go = () => (c.grad ? run() : nb.noGrad(run));
  go(); // warm up the JIT
  go();
  const times: number[] = [];
  for (let rep = 0; rep < samples; rep++) {
    const start = process.hrtime.bigint();
    go();
    times.push(Number(process.hrtime.bigint() - start) / 1000 / ops);
  }
  return times.sort((a, b) => a - b)[samples >> 1]!; // the median
}

/** Measures the table's rows. Example: `measureOverhead().forEach((r) => console.log(r))`. */
export function measureOverhead(ops = 10_000): OverheadRow[] {
  return OVERHEAD_CASES.map((c) => ({
    case: c.case,
    grad: c.grad,
    ops,
    usPerOp: timeCase(c, ops),
  }));
}

/** Prints the overhead table. Example: `runOverhead()`. */
export function runOverhead(): void {
  console.log(`## Per-op overhead (backend: ${nb.getBackend().name})\n`);
  console.log("| case | grad recording | ops | µs per op |");
  console.log("| --- | --- | ---: | ---: |");
  for (const r of measureOverhead()) {
    console.log(`| ${r.case} | ${r.grad ? "on" : "off"} | ${r.ops} | ${r.usPerOp.toFixed(2)} |`);
  }
  console.log("\nGoal: <= 5 µs per tiny op.\n");
}

if (import.meta.url === `file://${process.argv[1]}`) runOverhead();
