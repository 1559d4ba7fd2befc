// The one table of `npm run bench`: a markdown row per workload, nabla beside both PyTorch workers,
// the ratio nabla ÷ PyTorch, and the target check against the "fast" PyTorch column.
import type { Measure, Workload } from "./workload.js";

/** A row's results: a Measure, an error message, or null when not run. */
export type Cell = Measure | { error: string } | null;

/** The table's header lines. */
export const TABLE_HEAD = [
  "| section | workload | unit | nabla | torch as-is | nabla ÷ as-is | torch fast | nabla ÷ fast | target (vs fast) | notes |",
  "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
];

const ok = (c: Cell): c is Measure => c !== null && !("error" in c) && Number.isFinite(c.value);

/** A value with precision that suits its size: 2 decimals below 10, 1 below 1000, else grouped. */
function fmt(v: number): string {
  if (v >= 1000) return Math.round(v).toLocaleString("en-US");
  return v.toFixed(v >= 10 ? 1 : 2);
}

function cell(c: Cell): string {
  if (c === null) return "—";
  if ("error" in c) return `error: ${c.error.replace(/\|/g, "/").slice(0, 80)}`;
  return fmt(c.value);
}

function ratio(nabla: Cell, torch: Cell): number | null {
  return ok(nabla) && ok(torch) ? nabla.value / torch.value : null;
}

function targetCell(w: Workload, nabla: Cell, fast: Cell): string {
  if (w.goal !== undefined) {
    const mark = ok(nabla) ? (nabla.value <= w.goal ? "✓" : "✗") : "?";
    return `≤ ${w.goal} ${w.unit} ${mark}`;
  }
  if (w.target === undefined) return "";
  const r = ratio(nabla, fast);
  const met =
    r === null ? "?" : (w.higherIsBetter ? r >= w.target.ratio : r <= w.target.ratio) ? "✓" : "✗";
  return `${w.higherIsBetter ? "≥" : "≤"} ${w.target.ratio.toFixed(2)}× ${met}`;
}

/** Minor page faults of the timed part per side, when counted: per epoch (train) or per call. */
function faultsNote(w: Workload, cells: [string, Cell][]): string {
  const parts = cells
    .filter(([, c]) => ok(c) && c.faults !== undefined)
    .map(([who, c]) => `${who} ${fmt((c as Measure).faults!)}`);
  const per = w.section === "train" ? "epoch" : "call";
  return parts.length > 0 ? `page faults/${per}: ${parts.join(", ")}` : "";
}

/** Training rows: each side's first epoch, while V8 is still compiling nabla's code. */
function firstEpochNote(cells: [string, Cell][]): string {
  const parts = cells
    .filter(([, c]) => ok(c) && typeof (c as Measure).first === "number")
    .map(([who, c]) => `${who} ${fmt((c as Measure).first!)}`);
  return parts.length > 0 ? `first epoch: ${parts.join(", ")}` : "";
}

/** One markdown row. */
export function formatRow(
  w: Workload,
  nabla: Cell,
  asIs: Cell,
  fast: Cell,
  extra: readonly string[] = [],
): string {
  const arrow = w.higherIsBetter ? "↑" : "↓";
  const r = (t: Cell) => {
    const x = ratio(nabla, t);
    return x === null ? "—" : `${x.toFixed(2)}×`;
  };
  const notes = [
    w.note?.() ?? "",
    ok(nabla) && nabla.note ? `nabla ${nabla.note}` : "",
    faultsNote(w, [
      ["nabla", nabla],
      ["as-is", asIs],
      ["fast", fast],
    ]),
    firstEpochNote([
      ["nabla", nabla],
      ["as-is", asIs],
      ["fast", fast],
    ]),
    ...extra,
  ]
    .filter(Boolean)
    .join("; ");
  return `| ${w.section} | ${w.name} | ${w.unit} ${arrow} | ${cell(nabla)} | ${cell(asIs)} | ${r(asIs)} | ${cell(fast)} | ${r(fast)} | ${targetCell(w, nabla, fast)} | ${notes} |`;
}
