// The lint rule that keeps the core loadable in a browser (eslint.config.js): in src/tensor,
// backend, autograd, ops, nn, optim and models, each way of reaching Node is an error; the
// configuration module may read the environment but import no built-in; Node's side of the
// backend (native/, node/) and the folders below the core may do both.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { ESLint } from "eslint";

const eslint = new ESLint({ cwd: fileURLToPath(new URL("..", import.meta.url)) });

/** The rules that `code` breaks when it is the file `path`. */
async function brokenRules(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: path });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

// Each way of reaching Node, with the rule that catches it.
const NODE_USES: [code: string, rule: string][] = [
  ['import { readFileSync } from "node:fs";\nvoid readFileSync;', "no-restricted-imports"],
  ['import { tmpdir } from "os";\nvoid tmpdir;', "no-restricted-imports"],
  [
    'import type { Worker } from "worker_threads";\nexport type W = Worker;',
    "no-restricted-imports",
  ],
  ['export { join } from "path";', "no-restricted-imports"],
  ['export * from "node:url";', "no-restricted-imports"],
  ['const { cpus } = await import("node:os");\nvoid cpus;', "no-restricted-syntax"],
  ['const fsp = await import("fs/promises");\nvoid fsp;', "no-restricted-syntax"],
  ['const debug = process.env["NABLA_DEBUG"];\nvoid debug;', "no-restricted-globals"],
  ["const host = { env: {} };\nvoid host.env;", "no-restricted-properties"],
  ["const p = (globalThis as { process?: unknown }).process;\nvoid p;", "no-restricted-syntax"],
  ['const B = globalThis["Buffer"];\nvoid B;', "no-restricted-syntax"],
  ["const kind = typeof require;\nvoid kind;", "no-restricted-globals"],
  ["setImmediate(() => {});", "no-restricted-globals"],
  ["const here = import.meta.dirname;\nvoid here;", "no-restricted-syntax"],
];

describe("core files may not reach Node", () => {
  for (const folder of ["tensor", "backend", "autograd", "ops", "nn", "optim", "models"]) {
    test(`src/${folder}`, async () => {
      for (const [code, rule] of NODE_USES)
        assert.ok(
          (await brokenRules(`src/${folder}/example.ts`, code)).includes(rule),
          `src/${folder}: ${rule} lets through:\n${code}`,
        );
    });
  }

  test("browser code passes: import.meta.url, globalThis, console, typed arrays", async () => {
    const code = [
      'import { Tensor } from "../tensor/tensor.js";',
      "const url = import.meta.url;",
      "const g = globalThis.performance;",
      "const module = { process: (x: number) => new Float32Array(x) };",
      "console.log(url, g, module.process(2), Tensor);",
    ].join("\n");
    assert.deepEqual(await brokenRules("src/nn/example.ts", code), []);
  });
});

test("the configuration module reads the environment but imports no built-in", async () => {
  const path = "src/backend/config.ts";
  assert.deepEqual(await brokenRules(path, "const env = process.env;\nvoid env;"), []);
  assert.deepEqual(await brokenRules(path, 'import "node:process";'), ["no-restricted-imports"]);
  assert.deepEqual(await brokenRules(path, 'await import("node:os");'), ["no-restricted-syntax"]);
});

test("Node's side of the backend and the folders below the core may use Node", async () => {
  for (const path of [
    "src/backend/native/example.ts",
    "src/backend/node/example.ts",
    "src/io/example.ts",
    "src/cli/example.ts",
  ])
    for (const [code] of NODE_USES)
      assert.deepEqual(await brokenRules(path, code), [], `${path}:\n${code}`);
});
