// Per-op overhead of the dispatch path: µs per op for a chain of tiny ops and for a 1000-element
// add, with and without grad recording. The goal is <= 5 µs per tiny op.
import * as nb from "nabla";

/** One row of the table. */
export interface OverheadRow {
  case: string;
  grad: boolean;
  ops: number;
  usPerOp: number;
}

function timeChain(
  size: number,
  ops: number,
  grad: boolean,
  step: (y: nb.Tensor, other: nb.Tensor) => nb.Tensor,
): number {
  const x = nb.ones([size], { requiresGrad: grad });
  const one = nb.ones([size]);
  const run = () => {
    let y = x;
    for (let i = 0; i < ops; i++) y = step(y, one);
    return y;
  };
  const go = () => (grad ? run() : nb.noGrad(run));
  go(); // warm up the JIT
  go();
  const times: number[] = [];
  for (let rep = 0; rep < 7; rep++) {
    const start = process.hrtime.bigint();
    go();
    times.push(Number(process.hrtime.bigint() - start) / 1000 / ops);
  }
  return times.sort((a, b) => a - b)[3]; // the median
}

/** Measures the table's rows. Example: `measureOverhead().forEach((r) => console.log(r))`. */
export function measureOverhead(ops = 10_000): OverheadRow[] {
  const rows: OverheadRow[] = [];
  const add = (y: nb.Tensor, o: nb.Tensor) => y.add(o);
  const mulScalar = (y: nb.Tensor) => y.mul(1.0001);
  for (const grad of [false, true]) {
    rows.push({ case: "1-element add chain", grad, ops, usPerOp: timeChain(1, ops, grad, add) });
    rows.push({
      case: "1-element mul by a JS number",
      grad,
      ops,
      usPerOp: timeChain(1, ops, grad, mulScalar),
    });
    rows.push({ case: "1000-element add", grad, ops, usPerOp: timeChain(1000, ops, grad, add) });
  }
  return rows;
}

/** Prints the overhead table. Example: `runOverhead()` (part of `npm run bench`). */
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
