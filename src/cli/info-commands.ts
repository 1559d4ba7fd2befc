// `nabla models` and `nabla summary <model>`.
import { list } from "../models/registry.js";
import { summary } from "../models/summary.js";
import { getModel } from "./run-config.js";

/**
 * The lines of `nabla models`: each model with the book's default hyperparameters.
 * @example modelsTable()[0]; // "model        epochs  batch  lr     input  optimizer  description"
 */
export function modelsTable(): string[] {
  const rows = list().map((m) => [
    m.name,
    String(m.defaults.epochs),
    String(m.defaults.batchSize),
    String(m.defaults.lr),
    `${m.defaults.resize ?? 28}x${m.defaults.resize ?? 28}`,
    m.defaults.optimizer,
    `${m.description} (d2l ${m.section})`,
  ]);
  const header = ["model", "epochs", "batch", "lr", "input", "optimizer", "description"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

/**
 * The lines of `nabla summary <model>`: d2l's shape walk (`for layer in net: X = layer(X)`) over
 * the top-level layers with each one's parameter count, then the totals (models.summary).
 * @example runSummary("lenet", {}); // ["Layer (type)  Output shape  Param #", ...]
 */
export function runSummary(
  name: string,
  options: { resize?: number; batchSize?: number; depth?: number },
): string[] {
  const entry = getModel(name);
  const net = entry.build({ numClasses: 10, inChannels: 1 });
  const side = options.resize ?? entry.defaults.resize ?? 28;
  const { text } = summary(net, [options.batchSize ?? 1, 1, side, side], {
    print: false,
    depth: options.depth,
  });
  return [
    `${entry.name}: input [${options.batchSize ?? 1}, 1, ${side}, ${side}]`,
    ...text.split("\n"),
  ];
}
