// Manual check (not part of the test command): a nabla LeNet checkpoint loads into the book's
// PyTorch LeNet through safetensors and gives the same outputs, and a state dict written by
// PyTorch loads back into nabla. Needs a Python with PyTorch (Debian: apt-get install
// python3-torch; then /usr/bin/python3, or set PYTHON).
//
//   npx tsx scripts/verify-pytorch.ts [lenet|lenet-bn] [checkpoint.safetensors]
//
// Without a checkpoint, a freshly initialised model (seed 0) is used.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as nb from "../src/index.js";
import { modelFromCheckpoint, buildModel, resolveConfig } from "../src/cli/train-command.js";
import { getModel } from "../src/cli/run-config.js";
import { loadFashionMnist } from "../src/data/embedded.js";

const kind = process.argv[2] ?? "lenet";
const checkpoint = process.argv[3];
const python = process.env["PYTHON"] ?? "/usr/bin/python3";
const dir = mkdtempSync(join(tmpdir(), "nabla-verify-"));

try {
  nb.manualSeed(0);
  const config = resolveConfig(getModel(kind), {});
  const net = checkpoint ? modelFromCheckpoint(checkpoint).net : buildModel(config);
  net.eval?.();
  const test = loadFashionMnist("test");
  const n = 8;
  const X = nb
    .tensor(Float32Array.from(test.images.subarray(0, n * 784), (v) => v / 255))
    .reshape(n, 1, 28, 28);
  const logits = nb.noGrad(() => net.forward(X));
  const modelPath = join(dir, "model.safetensors");
  nb.saveStateDict(modelPath, net.stateDict());
  nb.saveStateDict(join(dir, "io.safetensors"), { X, logits });
  const script = fileURLToPath(new URL("./verify_pytorch_lenet.py", import.meta.url));
  const out = join(dir, "from-pytorch.safetensors");
  const r = spawnSync(python, [script, modelPath, join(dir, "io.safetensors"), out, kind], {
    stdio: "inherit",
  });
  if (r.status !== 0) throw new Error(`${python} ${script} failed (status ${r.status})`);

  // The reverse direction: PyTorch's state dict (weights x 0.5) into a fresh nabla model.
  const back = nb.loadStateDict(out);
  const expected = back["__logits"]!;
  delete back["__logits"];
  const fresh = buildModel(config);
  fresh.loadStateDict(back, { strict: true });
  fresh.eval?.();
  const mine = nb.noGrad(() => fresh.forward(X));
  const diff = mine.sub(expected).abs().max().item();
  console.log(
    `PyTorch -> nabla: loaded ${Object.keys(back).length} tensors (strict), max |logits difference| = ${diff.toPrecision(3)}`,
  );
  if (!(diff < 1e-4)) process.exitCode = 1;
  console.log(
    process.exitCode ? "FAILED" : "OK: the checkpoint moves both ways between nabla and PyTorch",
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
