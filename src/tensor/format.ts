import type { DType } from "./dtype.js";

/** What printing reads from a tensor (declared here so that tensor.ts can import this file). */
export interface Printable {
  readonly shape: readonly number[];
  readonly ndim: number;
  readonly dtype: DType;
  readonly requiresGrad: boolean;
  readonly gradFn: { readonly name: string } | null;
  numel(): number;
  data(): ArrayLike<number>;
}

// Printing follows torch/_tensor_str.py's rules: a shared element width, integer-valued floats as
// "1.", four decimals, scientific notation for wide ranges, "..." summaries above 1000 elements.
const LINE_WIDTH = 80;
const EDGE_ITEMS = 3;
const THRESHOLD = 1000;

/** Formats a tensor the way PyTorch's repr does. Example: `formatTensor(nb.ones([2]))`. */
export function formatTensor(t: Printable): string {
  const prefix = "tensor(";
  const values = t.data();
  const summarize = values.length > THRESHOLD;
  const format = makeFormatter(t, values, summarize);
  let body: string;
  if (t.numel() === 0) {
    body = "[]";
  } else if (t.ndim === 0) {
    body = format(values[0]);
  } else {
    body = formatDims(t.shape, values, 0, 0, prefix.length, format, summarize);
  }
  const suffixes: string[] = [];
  // An empty tensor shows its size (unless 1-D) and any non-default dtype; int32 is nabla's default
  // integer type (PyTorch's int64), so only float64 is named otherwise.
  if (t.numel() === 0 && t.ndim !== 1) suffixes.push(`size=(${t.shape.join(", ")})`);
  if (t.dtype === "float64" || (t.numel() === 0 && t.dtype !== "float32"))
    suffixes.push(`dtype=torch.${t.dtype}`);
  if (t.gradFn !== null) suffixes.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  return addSuffixes(prefix + body, suffixes, prefix.length);
}

// As torch's _add_suffixes: a suffix that would pass the line width goes on a new line.
function addSuffixes(text: string, suffixes: readonly string[], indent: number): string {
  const parts = [text];
  let lastLineLength = text.length - text.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > LINE_WIDTH) {
      parts.push(`,\n${" ".repeat(indent)}${suffix}`);
      lastLineLength = indent + suffix.length;
    } else {
      parts.push(`, ${suffix}`);
      lastLineLength += suffix.length + 2;
    }
  }
  return `${parts.join("")})`;
}

// PyTorch's _Formatter: the element width comes from the nonzero finite values only (zeros, nan and
// inf never widen a column), and integer-valued floats print as "1." unless the range calls for
// scientific notation.
function makeFormatter(t: Printable, values: ArrayLike<number>, summarize: boolean): Formatter {
  const sample = sampleValues(t, values, summarize);
  if (t.dtype === "bool")
    return pad(
      (v) => (v ? "True" : "False"),
      sample.map((v) => (v ? "True" : "False")),
    );
  if (t.dtype === "int32") return pad((v) => String(v), sample.map(String));
  const nonzero = sample.filter((v) => Number.isFinite(v) && v !== 0);
  if (nonzero.length === 0)
    return pad((v) => (Number.isFinite(v) ? `${fixed(v, 0)}.` : special(v)), ["0"]);
  const abs = nonzero.map(Math.abs);
  const maxAbs = Math.max(...abs);
  const minAbs = Math.min(...abs);
  const intMode = nonzero.every((v) => Number.isInteger(v));
  let fmt: (v: number) => string;
  if (maxAbs / minAbs > 1000 || maxAbs > 1e8 || (!intMode && minAbs < 1e-4)) {
    fmt = sci;
  } else if (intMode) {
    fmt = (v) => (Number.isFinite(v) ? `${fixed(v, 0)}.` : special(v));
  } else {
    fmt = (v) => (Number.isFinite(v) ? fixed(v, 4) : special(v));
  }
  return pad(fmt, nonzero.map(fmt));
}

function sci(v: number): string {
  if (!Number.isFinite(v)) return special(v);
  // JS writes 1.0000e-5; PyTorch (Python) writes 1.0000e-05.
  return v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2");
}

function special(v: number): string {
  return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

type Formatter = ((v: number) => string) & { width: number };

function pad(fmt: (v: number) => string, samples: string[]): Formatter {
  const width = Math.max(1, ...samples.map((s) => s.length));
  return Object.assign((v: number) => fmt(v).padStart(width), { width });
}

// Python writes -0.0 as "-0.0000"; JS's toFixed drops the sign.
function fixed(v: number, digits: number): string {
  return Object.is(v, -0) ? `-${(0).toFixed(digits)}` : v.toFixed(digits);
}

// The values that will be printed (only the edges when summarised), so widths match PyTorch.
function sampleValues(t: Printable, values: ArrayLike<number>, summarize: boolean): number[] {
  if (!summarize) return Array.from(values);
  const out: number[] = [];
  const walk = (dim: number, start: number): void => {
    if (dim === t.ndim) {
      out.push(values[start]);
      return;
    }
    const n = t.shape[dim];
    let step = 1;
    for (let d = dim + 1; d < t.ndim; d++) step *= t.shape[d];
    for (const i of edgeIndices(n, true)) if (i >= 0) walk(dim + 1, start + i * step);
  };
  walk(0, 0);
  return out;
}

function edgeIndices(n: number, summarize: boolean): number[] {
  if (!summarize || n <= 2 * EDGE_ITEMS) return Array.from({ length: n }, (_, i) => i);
  const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
  const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i);
  return [...head, -1, ...tail];
}

function formatDims(
  shape: readonly number[],
  values: ArrayLike<number>,
  dim: number,
  start: number,
  indent: number,
  format: Formatter,
  summarize: boolean,
): string {
  const n = shape[dim];
  let step = 1;
  for (let d = dim + 1; d < shape.length; d++) step *= shape[d];
  const indices = edgeIndices(n, summarize);
  if (dim === shape.length - 1) {
    // A summarised row shows " ..." as one more element; the per-line count uses the shared width.
    const items = indices.map((i) => (i < 0 ? " ..." : format(values[start + i])));
    const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (format.width + 2)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine)
      lines.push(items.slice(i, i + perLine).join(", "));
    return `[${lines.join(`,\n${" ".repeat(indent + 1)}`)}]`;
  }
  const separator = `,${"\n".repeat(shape.length - dim - 1)}${" ".repeat(indent + 1)}`;
  const rows = indices.map((i) =>
    i < 0
      ? "..."
      : formatDims(shape, values, dim + 1, start + i * step, indent + 1, format, summarize),
  );
  return `[${rows.join(separator)}]`;
}
