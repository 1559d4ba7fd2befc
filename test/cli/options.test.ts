// The options of every `nabla` command, through the real command-line parser: each one that the
// help lists and README.md shows parses to the value the command receives.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { buildProgram } from "../../src/cli/main.js";
import { buildModel, resolveConfig } from "../../src/cli/train-command.js";
import { getModel, runConfigProblems } from "../../src/cli/run-config.js";
import { saveStateDict } from "../../src/io/state-dict.js";
import { nabla, parse, repo } from "./nabla.js";

const tmp = mkdtempSync(join(tmpdir(), "nabla-cli-options-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

// One command line per command that sets every option it has, and what the command receives.
const EVERY_OPTION: { argv: string[]; args: unknown[]; options: Record<string, unknown> }[] = [
  {
    argv: [
      ...["train", "lenet", "--dataset", "mnist", "--epochs", "3", "--batch-size", "64"],
      ...["--lr", "0.5", "--optimizer", "adam", "--resize", "32", "--seed", "7"],
      ...["--out", "runs/x", "--resume", "runs/x/checkpoint.safetensors", "--limit", "100"],
      ...["--no-progress", "--no-plot"],
    ],
    args: ["lenet"],
    options: {
      dataset: "mnist",
      epochs: 3,
      batchSize: 64,
      lr: 0.5,
      optimizer: "adam",
      resize: 32,
      seed: 7,
      out: "runs/x",
      resume: "runs/x/checkpoint.safetensors",
      limit: 100,
      progress: false,
      plot: false,
    },
  },
  {
    argv: [
      ...["eval", "lenet.safetensors", "--dataset", "mnist", "--batch-size", "128"],
      ...["--limit", "50", "--model", "lenet"],
    ],
    args: ["lenet.safetensors"],
    options: { dataset: "mnist", batchSize: 128, limit: 50, model: "lenet" },
  },
  {
    argv: ["predict", "ckpt.safetensors", "boot.png", "--top", "3", "--invert", "--model", "lenet"],
    args: ["ckpt.safetensors", "boot.png"],
    options: { top: 3, invert: true, model: "lenet" },
  },
  {
    argv: ["summary", "lenet", "--resize", "32", "--batch-size", "2", "--depth", "2"],
    args: ["lenet"],
    options: { resize: 32, batchSize: 2, depth: 2 },
  },
  { argv: ["models"], args: [], options: {} },
  { argv: ["build-native"], args: [], options: {} },
];

test("every option of every command parses to what the command receives", async () => {
  const program = buildProgram();
  for (const { argv, args, options } of EVERY_OPTION) {
    const parsed = await parse(...argv);
    assert.equal(parsed.command, argv[0]);
    assert.deepEqual(parsed.args, args, argv.join(" "));
    assert.deepEqual(parsed.options, options, argv.join(" "));
    // The table covers every option the command has (a new option needs a row here).
    const command = program.commands.find((c) => c.name() === argv[0])!;
    const keys = command.options.map((o) => o.attributeName()).sort();
    assert.deepEqual(keys, Object.keys(options).sort(), `options of ${argv[0]}`);
  }
  assert.deepEqual(
    program.commands.map((c) => c.name()).sort(),
    EVERY_OPTION.map((row) => row.argv[0]).sort(),
  );
});

test("every `npx nabla` command line of README.md parses, each of its options included", async () => {
  const readme = readFileSync(join(repo, "README.md"), "utf8");
  const lines = [...readme.matchAll(/^npx nabla (.*)$/gm)].map((m) =>
    m[1]!.replace(/\s+#.*$/, "").trim(),
  );
  const seen = new Set<string>();
  for (const line of lines) {
    const argv = line.split(/\s+/);
    const parsed = await parse(...argv).catch((e: Error) => {
      throw new Error(`README: npx nabla ${line}: ${e.message}`);
    });
    seen.add(parsed.command);
    for (const flag of argv.filter((a) => a.startsWith("--"))) {
      const key = flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      assert.notEqual(parsed.options[key], undefined, `README: npx nabla ${line}: ${flag}`);
    }
  }
  for (const command of ["train", "eval", "predict", "summary", "models", "build-native"])
    assert.ok(seen.has(command), `README shows \`npx nabla ${command}\``);
});

test("bad option values are usage errors naming the option", async () => {
  await assert.rejects(parse("train", "softmax", "--out", ""), /--out must be a path, got ""/);
  await assert.rejects(parse("train", "softmax", "--resume", " "), /--resume must be a path/);
  await assert.rejects(
    parse("train", "softmax", "--epochs", "0"),
    /--epochs must be a positive integer, got "0"/,
  );
  await assert.rejects(parse("train", "softmax", "--lr", "-1"), /--lr must be a positive number/);
  await assert.rejects(
    parse("eval", "x.safetensors", "--modle", "lenet"),
    /unknown option '--modle'/,
  );
  const run = await nabla("train", "softmax", "--out", "");
  assert.equal(run.code, 1);
  assert.match(run.stderr, /--out must be a path, got ""/);
  assert.equal(run.stdout, "");
});

test("an unknown model name, on the command line or in a checkpoint, lists the known ones", async () => {
  const message = /^unknown model "resnet50"; known models: softmax, mlp, mlp-dropout, lenet, /;
  const isUnknown = (e: Error) => message.test(e.message);
  assert.throws(() => getModel("resnet50"), isUnknown);
  const summary = buildProgram(() => {}).parseAsync(["node", "nabla", "summary", "resnet50"]);
  await assert.rejects(summary, isUnknown);
  assert.equal(getModel("LeNet").name, "lenet");
  const run = { ...resolveConfig(getModel("lenet"), {}), model: "resnet50" };
  assert.deepEqual(
    runConfigProblems(run).map((p) => p.replace(/; known models: .*/, "")),
    ['run.model: unknown model "resnet50"'],
  );
});

test("nabla eval <plain state dict> --model <name>: the architecture comes from --model", async () => {
  const config = resolveConfig(getModel("softmax"), {});
  const plain = join(tmp, "softmax-from-pytorch.safetensors");
  saveStateDict(plain, buildModel(config).stateDict());
  const run = await nabla("eval", plain, "--model", "softmax", "--limit", "200");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^test acc \d\.\d{3} \(softmax, 200 test examples of fashion-mnist\)$/m);
  // Without it, the error sends the user to that very option.
  const missing = await nabla("eval", plain, "--limit", "200");
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /has no run configuration .*: name its architecture with --model <name>/,
  );
  const wrong = await nabla("eval", plain, "--model", "lenet");
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /the model does not match/);
});
