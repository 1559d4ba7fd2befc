// `nabla models` and `nabla summary <model>`.
import { noGrad } from "../autograd/grad-mode.js";
import { zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { getModel, listModels } from "./zoo.js";

/**
 * The lines of `nabla models`: each model with the book's default hyperparameters.
 * @example modelsTable()[0]; // "model        epochs  batch  lr     input  optimizer  description"
 */
export function modelsTable(): string[] {
  const rows = listModels().map((m) => [
    m.name,
    String(m.defaults.epochs),
    String(m.defaults.batchSize),
    String(m.defaults.lr),
    `${m.defaults.resize ?? 28}x${m.defaults.resize ?? 28}`,
    m.defaults.optimizer,
    m.description,
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

interface WithChildren {
  namedChildren?(): [string, { forward(x: Tensor): Tensor; constructor: { name: string } }][];
  numParameters?(): number;
  parameters(): Iterable<Tensor>;
  forward(x: Tensor): Tensor;
  toString(): string;
}

/**
 * The lines of `nabla summary <model>`: d2l's shape walk (`for layer in net: X = layer(X)`)
 * over the top-level layers with each one's parameter count, then the total.
 * @example runSummary("lenet", {}); // ["Conv2d output shape: [1, 6, 28, 28] ...", ...]
 */
export function runSummary(
  name: string,
  options: { resize?: number; batchSize?: number },
): string[] {
  const entry = getModel(name);
  const net = entry.build({ numClasses: 10, inChannels: 1 }) as unknown as WithChildren;
  const side = options.resize ?? entry.defaults.resize ?? 28;
  let X = zeros([options.batchSize ?? 1, 1, side, side]);
  const lines: string[] = [];
  const count = (m: unknown) => {
    let n = 0;
    for (const p of (m as WithChildren).parameters()) n += p.numel();
    return n;
  };
  noGrad(() => {
    (net as { eval?(): void }).eval?.();
    const children = net.namedChildren?.() ?? [];
    if (children.length === 0) {
      X = net.forward(X);
      lines.push(`output shape: [${X.shape.join(", ")}]`);
      return;
    }
    // Forward once first so that lazy layers have shapes before parameters are counted.
    net.forward(X);
    const nameWidth = Math.max(...children.map(([, m]) => m.constructor.name.length));
    for (const [, layer] of children) {
      X = layer.forward(X);
      const shape = `[${X.shape.join(", ")}]`;
      lines.push(
        `${layer.constructor.name.padEnd(nameWidth)} output shape: ${shape.padEnd(18)} params: ${count(layer)}`,
      );
    }
  });
  lines.push(`total params: ${count(net)}`);
  return lines;
}
