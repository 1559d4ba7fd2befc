// The core entry (src/core.ts) loads in a browser: esbuild bundles it for the browser platform
// (which refuses Node built-ins), and the bundle trains a small network in a V8 context that has
// none of Node's globals (no process, require, Buffer, not even console), giving the same numbers
// as `import "nabla"` on Node's js backend and as the same network written out in plain JS.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import vm from "node:vm";
import { build, type Metafile } from "esbuild";
import * as nb from "nabla";
import { assertClose } from "./helpers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** src/core.ts bundled as a browser script that defines the global `nabla`. */
async function bundleCore(): Promise<{ code: string; metafile: Metafile; warnings: unknown[] }> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ["src/core.ts"],
    bundle: true,
    platform: "browser",
    format: "iife",
    globalName: "nabla",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return {
    code: result.outputFiles[0]!.text,
    metafile: result.metafile,
    warnings: result.warnings,
  };
}

// One SGD step of Linear(4,8)-ReLU-Linear(8,3) with cross-entropy, as a plain-JS function body
// over `nb` (the library), so that the same text runs in the bundle's context and on Node.
// It returns JSON: objects do not cross between V8 contexts as plain values.
const TRAIN_STEP = `
  nb.manualSeed(7);
  const net = new nb.nn.Sequential(new nb.nn.Linear(4, 8), new nb.nn.ReLU(), new nb.nn.Linear(8, 3));
  const x = nb.randn([5, 4]);
  const y = nb.tensor([0, 2, 1, 1, 0], { dtype: "int32" });
  const lossFn = new nb.nn.CrossEntropyLoss();
  const opt = new nb.optim.SGD(net.parameters(), { lr: 0.5 });
  const before = net.parameters().map((p) => p.toArray());
  opt.zeroGrad();
  const loss = lossFn.forward(net.forward(x), y);
  loss.backward();
  const grads = net.parameters().map((p) => p.grad.toArray());
  opt.step();
  const after = net.parameters().map((p) => p.toArray());
  const lossAfter = nb.noGrad(() => lossFn.forward(net.forward(x), y).item());
  return JSON.stringify({
    backend: nb.getBackend().name,
    memoryLimit: nb.getMemoryLimit(),
    x: x.toArray(),
    y: y.toArray(),
    loss: loss.item(),
    lossAfter,
    before,
    grads,
    after,
  });
`;

interface StepResult {
  backend: string;
  memoryLimit: unknown;
  x: number[][];
  y: number[];
  loss: number;
  lossAfter: number;
  before: (number[] | number[][])[];
  grads: (number[] | number[][])[];
  after: (number[] | number[][])[];
}

/** The step's loss and the last bias's gradient, computed in plain JS (float64) from its inputs. */
function referenceStep(r: StepResult): { loss: number; lastBiasGrad: number[] } {
  const [w1, b1, w2, b2] = r.before as [number[][], number[], number[][], number[]];
  const affine = (v: number[], w: number[][], b: number[]) =>
    w.map((row, o) => row.reduce((s, wi, i) => s + wi * v[i]!, b[o]!));
  let loss = 0;
  const lastBiasGrad = b2.map(() => 0);
  r.x.forEach((row, n) => {
    const logits = affine(
      affine(row, w1, b1).map((h) => Math.max(h, 0)),
      w2,
      b2,
    );
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const total = exps.reduce((s, e) => s + e, 0);
    loss -= Math.log(exps[r.y[n]!]! / total) / r.x.length;
    // d loss / d logits = (softmax - onehot) / N, summed over the batch for the bias.
    exps.forEach((e, c) => (lastBiasGrad[c]! += (e / total - (c === r.y[n] ? 1 : 0)) / r.x.length));
  });
  return { loss, lastBiasGrad };
}

describe("the core bundled for the browser", async () => {
  const { code, metafile, warnings } = await bundleCore();

  test("bundles without warnings and without anything of Node", (t) => {
    t.diagnostic(`bundle: ${(code.length / 1024).toFixed(0)} KiB unminified`);
    assert.deepEqual(warnings, []);
    const inputs = Object.keys(metafile.inputs);
    const external = Object.entries(metafile.inputs).flatMap(([file, input]) =>
      input.imports
        // An import TypeScript elides (only types used) is listed unresolved, as external.
        .filter((i) => i.external && !i.path.startsWith("."))
        .map((i) => `${file} -> ${i.path}`),
    );
    assert.deepEqual(external, [], "imports left to the host");
    const nodeOnly = inputs.filter((f) =>
      /^src\/(backend\/(native|node)|io|data|train|cli)\//.test(f),
    );
    assert.deepEqual(nodeOnly, [], "Node-only sources in the bundle");
    assert.ok(inputs.includes("src/nn/linear.ts") && inputs.includes("src/backend/js/index.ts"));
    assert.doesNotMatch(code, /\brequire\(|\bimport\(|["']node:/);
  });

  test("trains a small network where no Node global exists, as Node's js backend does", () => {
    // A context with ECMAScript's globals only: what the core needs beyond them, a browser has.
    const context = vm.createContext({});
    vm.runInContext(code, context, { filename: "nabla-core.js" });
    assert.equal(
      vm.runInContext("typeof process + typeof require + typeof Buffer", context),
      "undefinedundefinedundefined",
    );
    const inBundle = JSON.parse(
      vm.runInContext(`((nb) => {${TRAIN_STEP}})(nabla)`, context) as string,
    ) as StepResult;

    const previous = nb.getBackend();
    nb.setBackend(nb.jsBackend);
    let onNode: StepResult;
    try {
      onNode = JSON.parse(new Function("nb", TRAIN_STEP)(nb) as string) as StepResult;
    } finally {
      nb.setBackend(previous);
    }

    // The core alone: the js backend, and no memory limit (the Node setup sets the machine's).
    assert.equal(inBundle.backend, "js");
    assert.equal(inBundle.memoryLimit, null);
    assert.deepEqual({ ...inBundle, memoryLimit: null }, { ...onNode, memoryLimit: null });

    // The values are the network's, not just equal: the loss and last bias gradient by hand,
    // SGD's update, and a lower loss after the step.
    const reference = referenceStep(inBundle);
    assertClose(inBundle.loss, reference.loss, { atol: 1e-5 });
    assertClose(inBundle.grads[3]!, reference.lastBiasGrad, { atol: 1e-5 });
    inBundle.before.forEach((p, i) => {
      const expected = nb.tensor(p).sub(nb.tensor(inBundle.grads[i]!).mul(0.5));
      assertClose(inBundle.after[i]!, expected, { atol: 1e-6 });
    });
    assert.ok(inBundle.grads.every((g) => g.flat().some((v) => v !== 0)));
    assert.ok(inBundle.lossAfter < inBundle.loss, `${inBundle.lossAfter} >= ${inBundle.loss}`);
  });
});
