// What a section contributes to the table: workloads, each measured on nabla and on PyTorch.

/** The sections `--only` can pick, in table order. */
export const SECTIONS = ["sgemm", "conv", "train", "overhead", "prebuilt"] as const;
export type SectionName = (typeof SECTIONS)[number];

/** The flags of `npm run bench`. */
export interface BenchOptions {
  quick: boolean;
  only: SectionName[];
  torch: boolean;
}

/** One measurement: the value in the row's unit, and minor page faults when counted. */
export interface Measure {
  value: number;
  faults?: number;
  /** Training rows: examples/s of the first epoch, before the warm-up ends. */
  first?: number;
  /** Extra detail for the notes column. */
  note?: string;
}

/** A row's target against the "fast" PyTorch column: nabla/torch >= ratio (or <= for times). */
export interface Target {
  ratio: number;
}

/** One row of the table. */
export interface Workload {
  section: SectionName;
  name: string;
  unit: string;
  /** Whether a larger value is better (speeds) or a smaller one (times). */
  higherIsBetter: boolean;
  /** Measures nabla in this process. */
  nabla(): Measure | Promise<Measure>;
  /** The same workload for torch_worker.py; null when PyTorch has no counterpart in this row. */
  torch: Record<string, unknown> | null;
  target?: Target;
  /** An absolute goal for nabla's value instead (e.g. <= 5 µs per op). */
  goal?: number;
  /** Text for the notes column, computed once the row is measured. */
  note?: () => string;
}
