import type { Tensor } from "./tensor.js";

// Printing follows torch/_tensor_str.py's rules: a shared element width, integer-valued floats as
// "1.", four decimals, scientific notation for wide ranges, "..." summaries above 1000 elements.
const LINE_WIDTH = 80;
const EDGE_ITEMS = 3;
const THRESHOLD = 1000;

/** Formats a tensor the way PyTorch's repr does. Example: `formatTensor(nb.ones([2]))`. */
export function formatTensor(t: Tensor): string {
  const prefix = "tensor(";
  const values = t.data();
  const summarize = values.length > THRESHOLD;
  const format = makeFormatter(t, values, summarize);
  let body: string;
  if (t.numel() === 0) {
    body = t.ndim === 1 ? "[]" : "[]";
  } else if (t.ndim === 0) {
    body = format(values[0]);
  } else {
    body = formatDims(t.shape, values, 0, 0, prefix.length, format, summarize);
  }
  const suffixes: string[] = [];
  if (t.numel() === 0 && t.ndim !== 1) suffixes.push(`size=(${t.shape.join(", ")})`);
  if (t.dtype === "float64") suffixes.push("dtype=torch.float64");
  if (t.gradFn !== null) suffixes.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  return `${prefix}${body}${suffixes.map((s) => `, ${s}`).join("")})`;
}

function makeFormatter(
  t: Tensor,
  values: ArrayLike<number>,
  summarize: boolean,
): (v: number) => string {
  if (t.dtype === "bool") return pad((v) => (v ? "True" : "False"), ["True", "False"]);
  if (t.dtype === "int32") {
    const sample = sampleValues(t, values, summarize);
    return pad((v) => String(v), sample.map(String));
  }
  const sample = sampleValues(t, values, summarize);
  const finite = sample.filter((v) => Number.isFinite(v));
  const nonzero = finite.filter((v) => v !== 0).map(Math.abs);
  const intMode = finite.every((v) => Number.isInteger(v));
  let fmt: (v: number) => string;
  const maxAbs = nonzero.length ? Math.max(...nonzero) : 0;
  const minAbs = nonzero.length ? Math.min(...nonzero) : 0;
  if (intMode) {
    fmt =
      maxAbs > 1e8 ? (v) => sci(v) : (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  } else if (nonzero.length && (maxAbs / minAbs > 1000 || maxAbs > 1e8 || minAbs < 1e-4)) {
    fmt = (v) => sci(v);
  } else {
    fmt = (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
  }
  return pad(fmt, sample.map(fmt));
}

function sci(v: number): string {
  if (!Number.isFinite(v)) return special(v);
  // JS writes 1.0000e-5; PyTorch (Python) writes 1.0000e-05.
  return v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2");
}

function special(v: number): string {
  return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

function pad(fmt: (v: number) => string, samples: string[]): (v: number) => string {
  const width = Math.max(0, ...samples.map((s) => s.length));
  return (v) => fmt(v).padStart(width);
}

// The values that will be printed (only the edges when summarised), so widths match PyTorch.
function sampleValues(t: Tensor, values: ArrayLike<number>, summarize: boolean): number[] {
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
    for (const i of edgeIndices(n, true)) walk(dim + 1, start + i * step);
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
  format: (v: number) => string,
  summarize: boolean,
): string {
  const n = shape[dim];
  let step = 1;
  for (let d = dim + 1; d < shape.length; d++) step *= shape[d];
  const indices = edgeIndices(n, summarize);
  if (dim === shape.length - 1) {
    const items = indices.map((i) => (i < 0 ? "..." : format(values[start + i])));
    const width = Math.max(...items.map((s) => s.length)) + 2;
    const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent - 1) / width));
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
