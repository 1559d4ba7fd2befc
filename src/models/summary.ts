// d2l's shape walk (`for layer in net: X = layer(X); print(...)`) as a function: the output shape
// and parameter count of each top-level layer (or deeper, with `depth`), then the totals.
import { noGrad } from "../autograd/grad-mode.js";
import { zeros } from "../tensor/creation.js";
import type { DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { Sequential } from "../nn/containers.js";
import type { Module } from "../nn/module.js";

/** One layer of a `summary`. */
export interface SummaryRow {
  /** Dotted name in the module tree (`"0"`, `"3.1"`, `"fc"`). */
  name: string;
  /** The layer's class, e.g. `"Conv2d"`. */
  type: string;
  /** Shape of its output for the given input. */
  outputShape: number[];
  /** Number of parameter elements it holds (recursively). */
  params: number;
}

/** What `summary` returns: the rows, the totals and the printed text. */
export interface Summary {
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  /** The table as printed, one string. */
  text: string;
}

/** Options of `summary`. */
export interface SummaryOptions {
  /** How deep to walk into Sequential containers (1, the default: the model's direct children). */
  depth?: number;
  /** Where the table goes: `console.log` by default; `false` prints nothing. */
  print?: false | ((line: string) => void);
  dtype?: DType;
}

const countParams = (m: Module, trainableOnly = false) =>
  m.parameters().reduce((n, p) => n + (trainableOnly && !p.requiresGrad ? 0 : p.numel()), 0);

// The modules reported at `depth`: children, with Sequential containers expanded (only their
// forward is known to call each child once, in order; a custom block is reported whole).
function layersAt(model: Module, depth: number): [string, Module][] {
  const out: [string, Module][] = [];
  const visit = (m: Module, prefix: string, level: number) => {
    for (const [name, child] of m.ownModules()) {
      const full = prefix === "" ? name : `${prefix}.${name}`;
      if (level < depth && child instanceof Sequential) visit(child, full, level + 1);
      else out.push([full, child]);
    }
  };
  visit(model, "", 1);
  return out;
}

function firstTensor(v: unknown): Tensor | null {
  if (v instanceof Tensor) return v;
  if (Array.isArray(v)) for (const e of v) if (e instanceof Tensor) return e;
  return null;
}

/**
 * Runs a zero input of `inputShape` through `model` (in eval mode, without recording, restoring
 * the modes after) and lists each layer's output shape and parameters, like the book's loop.
 * Example: `models.summary(models.lenet(), [1, 1, 28, 28])` prints `Conv2d ... [1, 6, 28, 28] ... 156`.
 */
export function summary(
  model: Module,
  inputShape: readonly number[],
  opts: SummaryOptions = {},
): Summary {
  const depth = opts.depth ?? 1;
  const layers = layersAt(model, depth);
  const rows: SummaryRow[] = [];
  const modes = model.modules().map((m) => [m, m.training] as const);
  const handles = layers.map(([name, layer]) =>
    layer.registerForwardHook((_m, _inputs, output) => {
      const t = firstTensor(output);
      rows.push({
        name,
        type: layer.constructor.name,
        outputShape: t === null ? [] : t.shape.slice(),
        params: countParams(layer),
      });
    }),
  );
  let out: unknown;
  try {
    model.eval();
    out = noGrad(() => model.forward(zeros([...inputShape], { dtype: opts.dtype ?? "float32" })));
  } finally {
    for (const h of handles) h.remove();
    for (const [m, training] of modes) m.training = training;
  }
  if (layers.length === 0) {
    const t = firstTensor(out);
    rows.push({
      name: "",
      type: model.constructor.name,
      outputShape: t?.shape.slice() ?? [],
      params: countParams(model),
    });
  }
  // Lazy layers get their parameters during the forward, so count after it.
  for (const row of rows) {
    const layer = layers.find(([n]) => n === row.name)?.[1] ?? model;
    row.params = countParams(layer);
  }
  const totalParams = countParams(model);
  const trainableParams = countParams(model, true);
  const text = formatSummary(rows, totalParams, trainableParams);
  if (opts.print !== false) for (const line of text.split("\n")) (opts.print ?? console.log)(line);
  return { rows, totalParams, trainableParams, text };
}

const thousands = (n: number) => n.toLocaleString("en-US");

function formatSummary(rows: SummaryRow[], total: number, trainable: number): string {
  const cells = rows.map((r) => [
    `${r.type}${r.name === "" ? "" : ` (${r.name})`}`,
    `[${r.outputShape.join(", ")}]`,
    thousands(r.params),
  ]);
  const header = ["Layer (type)", "Output shape", "Param #"];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    `${c[0].padEnd(widths[0])}  ${c[1].padEnd(widths[1])}  ${c[2].padStart(widths[2])}`;
  const rule = "-".repeat(widths[0] + widths[1] + widths[2] + 4);
  return [
    line(header),
    rule,
    ...cells.map(line),
    rule,
    `Total params: ${thousands(total)}`,
    `Trainable params: ${thousands(trainable)}`,
    `Non-trainable params: ${thousands(total - trainable)}`,
  ].join("\n");
}
