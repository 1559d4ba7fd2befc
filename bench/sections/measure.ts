// Measures one row: nabla, then torch as-is, then torch fast. A side disturbed by other processes
// (see quiet.ts) is measured again once the machine is quiet; the least disturbed try is kept.
import { otherCores, sampleUsage, waitQuiet } from "./quiet.js";
import type { Cell } from "./table.js";
import type { TorchWorker } from "./torch.js";
import type { Workload } from "./workload.js";

/** Other processes may use this many cores on average before a measurement counts as disturbed. */
const DISTURBED = 0.15;

// Seconds the whole run may spend waiting for quiet, so a busy machine cannot stall it for hours.
let waitBudget = 900;

/** Sets the run's total budget for waiting for a quiet machine, in seconds. */
export function setWaitBudget(seconds: number): void {
  waitBudget = seconds;
}

/** A row's three cells, and notes about interference. */
export interface RowResult {
  cells: [Cell, Cell, Cell];
  notes: string[];
}

async function attempt(fn: () => unknown): Promise<Cell> {
  try {
    return (await fn()) as Cell;
  } catch (e) {
    return { error: (e as Error).message.split("\n")[0]! };
  }
}

/** Runs `fn` up to `tries` times until undisturbed; returns the least disturbed cell. */
async function undisturbed(
  fn: () => unknown,
  pids: number[],
  tries: number,
): Promise<{ cell: Cell; other: number; retries: number }> {
  let best: { cell: Cell; other: number; retries: number } | null = null;
  for (let i = 0; i < tries; i++) {
    const before = sampleUsage(pids);
    const cell = await attempt(fn);
    const other = otherCores(before, sampleUsage(pids));
    if (best === null || other < best.other) best = { cell, other, retries: i };
    if (other < DISTURBED || (cell !== null && "error" in cell)) break;
    if (i + 1 < tries && waitBudget > 0) {
      const start = Date.now();
      await waitQuiet(pids, DISTURBED / 2, Math.min(60, waitBudget));
      waitBudget -= (Date.now() - start) / 1000;
    }
  }
  return best!;
}

/** Measures `w` on nabla and on each worker (null: not available). */
export async function measureRow(
  w: Workload,
  workers: (TorchWorker | null)[],
  tries: number,
): Promise<RowResult> {
  const pids = workers.flatMap((x) => (x ? [x.pid] : []));
  const sides: { label: string; run: (() => unknown) | null }[] = [
    { label: "nabla", run: () => w.nabla() },
    ...workers.map((worker) => ({
      label: worker?.label ?? "",
      run: worker && w.torch ? () => worker.ask(w.torch!) : null,
    })),
  ];
  const cells: Cell[] = [];
  const notes: string[] = [];
  for (const side of sides) {
    if (side.run === null) {
      cells.push(null);
      continue;
    }
    const { cell, other, retries } = await undisturbed(side.run, pids, tries);
    cells.push(cell);
    if (other >= DISTURBED)
      notes.push(`⚠ ${side.label}: other processes used ${other.toFixed(2)} cores`);
    else if (retries > 0) notes.push(`${side.label} measured again (disturbed)`);
  }
  // A torch row on fewer threads than asked would compare unlike things: mark it failed.
  const asked = w.torch?.threads;
  for (let i = 1; i < cells.length; i++) {
    const c = cells[i];
    if (c && "threads" in c && asked !== undefined && c.threads !== asked)
      cells[i] = { error: `${sides[i]!.label} ran ${c.threads} threads, not ${asked}` };
  }
  return { cells: cells as [Cell, Cell, Cell], notes };
}
