// End-to-end check (`npm run e2e`): trains the book's Fashion-MNIST models for 10 epochs with the
// book's hyperparameters through `nabla train`, checks each test accuracy against the bar the
// issue sets, prints the time per epoch and a final table. Exits 1 if any model misses its bar.
//
//   npm run e2e                       # all four models
//   npm run e2e -- softmax lenet      # some of them
//   npm run e2e -- --epochs 2         # a quicker (and not checked) smoke run
import { join } from "node:path";
// The library entry (not just the CLI modules), so that the backend is chosen as for users.
import { getBackend } from "../src/index.js";
import { runTrain } from "../src/cli/train-command.js";

interface Case {
  model: string;
  settings: string;
  lr: number;
  batchSize: number;
  required: number;
  book: string;
}

const CASES: Case[] = [
  {
    model: "softmax",
    settings: "lr 0.1, batch 256",
    lr: 0.1,
    batchSize: 256,
    required: 0.8,
    book: "0.828-0.841",
  },
  {
    model: "mlp",
    settings: "256 hidden, lr 0.1, batch 256",
    lr: 0.1,
    batchSize: 256,
    required: 0.82,
    book: "0.824-0.865",
  },
  {
    model: "lenet",
    settings: "sigmoid, Xavier, lr 0.9, batch 256",
    lr: 0.9,
    batchSize: 256,
    required: 0.75,
    book: "0.776-0.809",
  },
  {
    model: "lenet-bn",
    settings: "lr 1.0, batch 256",
    lr: 1.0,
    batchSize: 256,
    required: 0.8,
    book: "0.708-0.880",
  },
];

const args = process.argv.slice(2);
let epochs = 10;
const only: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--epochs") epochs = Number(args[++i]);
  else only.push(args[i]!);
}
const cases = only.length ? CASES.filter((c) => only.includes(c.model)) : CASES;
if (cases.length === 0)
  throw new Error(
    `e2e: no such model in ${only.join(", ")}; known: ${CASES.map((c) => c.model).join(", ")}`,
  );
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const rows: { c: Case; acc: number; perEpoch: number; trainPerEpoch: number; ok: boolean }[] = [];

for (const c of cases) {
  console.log(`\n=== ${c.model} (${c.settings}), ${epochs} epochs ===`);
  const started = performance.now();
  const opts = {
    epochs,
    lr: c.lr,
    batchSize: c.batchSize,
    seed: 0,
    out: join("runs", `e2e-${stamp}`, c.model),
  };
  const result = await runTrain(c.model, opts, new Set(Object.keys(opts)));
  const wall = (performance.now() - started) / 1000;
  const last = result.history[result.history.length - 1]!;
  const trainPerEpoch = result.history.reduce((s, m) => s + m.seconds, 0) / result.history.length;
  const ok = last.test_acc >= c.required;
  rows.push({ c, acc: last.test_acc, perEpoch: wall / epochs, trainPerEpoch, ok });
  for (const m of result.history)
    console.log(
      `  epoch ${m.epoch}: ${m.seconds.toFixed(1)} s training, test acc ${m.test_acc.toFixed(3)}`,
    );
}

const header = [
  "model",
  "settings",
  "test acc",
  "required",
  "book",
  "s/epoch (train)",
  "s/epoch (all)",
  "check",
];
const table = rows.map((r) => [
  r.c.model,
  r.c.settings,
  r.acc.toFixed(3),
  `>= ${r.c.required.toFixed(2)}`,
  r.c.book,
  r.trainPerEpoch.toFixed(1),
  r.perEpoch.toFixed(1),
  epochs === 10 ? (r.ok ? "ok" : "FAIL") : "(not checked)",
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((s, i) => s.padEnd(widths[i]!)).join(" | ")} |`;
console.log(
  `\n${epochs} epochs each on the ${getBackend().name} backend; s/epoch (train) excludes evaluation`,
);
console.log(`\n${line(header)}\n${line(widths.map((w) => "-".repeat(w)))}`);
for (const t of table) console.log(line(t));
if (epochs === 10 && rows.some((r) => !r.ok)) process.exitCode = 1;
