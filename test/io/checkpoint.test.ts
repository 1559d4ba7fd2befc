import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as nb from "../../src/index.js";
import {
  CHECKPOINT_METADATA_KEY,
  decodeState,
  encodeState,
  loadCheckpoint,
  readCheckpoint,
  saveCheckpoint,
} from "../../src/io/checkpoint.js";
import type { RawTensor } from "../../src/io/safetensors.js";
import { parseSafetensors } from "../../src/io/safetensors.js";

const dir = mkdtempSync(join(tmpdir(), "nabla-ckpt-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("encodeState/decodeState: tensors, non-finite numbers, Maps, undefined and marker-like objects", () => {
  const state = {
    state: new Map<number, unknown>([
      [0, { step: 3, momentum_buffer: nb.tensor([1, 2]) }],
      [1, { step: 3, exp_avg: nb.tensor([[0.5]], { dtype: "float64" }) }],
    ]),
    param_groups: [{ lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, max_lr: Infinity, nesterov: false }],
    nothing: undefined,
    holes: [1, undefined, 3],
    missing: null,
    nan: NaN,
    looksLikeMarker: { $tensor: "not a tensor" },
  };
  const tensors: Record<string, RawTensor> = {};
  const json = JSON.parse(JSON.stringify(encodeState(state, "__optimizer__.", tensors)));
  assert.deepEqual(Object.keys(tensors).sort(), [
    "__optimizer__.state.0.momentum_buffer",
    "__optimizer__.state.1.exp_avg",
  ]);
  const back = decodeState(json, tensors) as typeof state;
  assert.ok(back.state instanceof Map);
  const s0 = back.state.get(0) as { step: number; momentum_buffer: nb.Tensor };
  assert.equal(s0.step, 3);
  assert.deepEqual(s0.momentum_buffer.toArray(), [1, 2]);
  const s1 = back.state.get(1) as { exp_avg: nb.Tensor };
  assert.equal(s1.exp_avg.dtype, "float64");
  assert.deepEqual(back.param_groups, state.param_groups);
  assert.equal(back.nothing, undefined);
  assert.ok(!Object.prototype.hasOwnProperty.call(back, "nothing")); // dropped, as JSON does
  assert.equal(back.missing, null);
  assert.deepEqual(back.holes, [1, undefined, 3]);
  assert.ok(Number.isNaN(back.nan));
  assert.deepEqual(back.looksLikeMarker, { $tensor: "not a tensor" });
});

/** A stand-in for nn.Module with a strict loadStateDict that lists every problem. */
class FakeModel {
  weight = nb.randn([3, 2]);
  bias = nb.zeros([3]);
  steps = nb.tensor(4, { dtype: "int32" });
  stateDict() {
    return { weight: this.weight, bias: this.bias, num_batches_tracked: this.steps };
  }
  loadStateDict(sd: Record<string, nb.Tensor>) {
    const mine = this.stateDict() as Record<string, nb.Tensor>;
    const missing = Object.keys(mine).filter((k) => !(k in sd));
    const unexpected = Object.keys(sd).filter((k) => !(k in mine));
    if (missing.length || unexpected.length)
      throw new Error(`missing ${missing.join(", ")}; unexpected ${unexpected.join(", ")}`);
    this.weight = sd["weight"]!;
    this.bias = sd["bias"]!;
    this.steps = sd["num_batches_tracked"]!;
  }
}

class FakeOptimizer {
  state: Record<string, unknown> = { lr: 0.5, buf: nb.tensor([1, 1]) };
  stateDict() {
    return this.state;
  }
  loadStateDict(s: Record<string, unknown>) {
    this.state = s;
  }
}

test("saveCheckpoint/loadCheckpoint: model, optimizer, epoch, RNG state and extra survive", () => {
  nb.manualSeed(3);
  nb.randn([5]); // leave a spare normal in the generator state (it is part of the state)
  const rng = nb.getRngState();
  const next = nb.randn([4]).toArray();
  const model = new FakeModel();
  const opt = new FakeOptimizer();
  const path = join(dir, "ckpt.safetensors");
  saveCheckpoint(path, {
    model,
    optimizer: opt,
    epoch: 2,
    rngState: rng,
    extra: { run: { model: "fake", lr: 0.5 }, history: [{ epoch: 1, test_acc: 0.5 }] },
  });
  // The model keys are PyTorch's, unprefixed; int32 buffers are I64 as PyTorch writes them.
  const file = parseSafetensors(readFileSync(path));
  assert.equal(file.tensors["num_batches_tracked"]!.dtype, "I64");
  assert.ok("__optimizer__.buf" in file.tensors);
  assert.equal(file.metadata?.["format"], "pt");
  assert.equal(JSON.parse(file.metadata![CHECKPOINT_METADATA_KEY]!).epoch, 2);

  const model2 = new FakeModel();
  const opt2 = new FakeOptimizer();
  opt2.state = {};
  const data = loadCheckpoint(path, { model: model2, optimizer: opt2 });
  assert.equal(data.epoch, 2);
  assert.deepEqual(data.rngState, rng);
  assert.deepEqual(model2.weight.toArray(), model.weight.toArray());
  assert.equal(model2.steps.item(), 4);
  assert.equal(opt2.state["lr"], 0.5);
  assert.deepEqual((opt2.state["buf"] as nb.Tensor).toArray(), [1, 1]);
  assert.deepEqual(data.extra, {
    run: { model: "fake", lr: 0.5 },
    history: [{ epoch: 1, test_acc: 0.5 }],
  });
  // Restoring the RNG state continues the random stream exactly.
  nb.setRngState(data.rngState!);
  assert.deepEqual(nb.randn([4]).toArray(), next);
});

test("loadCheckpoint: a mismatching model's error is prefixed with the file", () => {
  const path = join(dir, "other.safetensors");
  saveCheckpoint(path, { model: { weight: nb.ones([3, 2]), extra_w: nb.ones([1]) }, epoch: 1 });
  assert.throws(
    () => loadCheckpoint(path, { model: new FakeModel() }),
    (e: Error) =>
      e.message.includes(path) &&
      e.message.includes("missing bias, num_batches_tracked; unexpected extra_w"),
  );
  assert.throws(
    () => loadCheckpoint(path, { optimizer: new FakeOptimizer() }),
    /has no optimizer state/,
  );
});

test("readCheckpoint accepts a plain state dict (e.g. written by PyTorch) as epoch 0", () => {
  const path = join(dir, "plain.safetensors");
  saveCheckpoint(path, { model: { w: nb.ones([2]) } });
  const data = readCheckpoint(path);
  assert.equal(data.epoch, 0);
  assert.equal(data.optimizer, undefined);
  assert.deepEqual(data.model["w"]!.toArray(), [1, 1]);
});

test("saveCheckpoint refuses reserved model keys and bad epochs; corrupt metadata is reported", () => {
  const path = join(dir, "x.safetensors");
  assert.throws(
    () => saveCheckpoint(path, { model: { "__optimizer__.x": nb.ones([1]) } }),
    /reserved prefix/,
  );
  assert.throws(() => saveCheckpoint(path, { model: {}, epoch: -1 }), /epoch must be an integer/);
  saveCheckpoint(path, { model: { w: nb.ones([1]) }, epoch: 1 });
  const bytes = readFileSync(path);
  const text = bytes.toString("latin1").replace('{\\"version\\":1', '{\\"version\\":9');
  writeFileSync(path, Buffer.from(text, "latin1"));
  assert.throws(() => readCheckpoint(path), /unsupported checkpoint version 9/);
});
