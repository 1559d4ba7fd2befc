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
import { parseSafetensors, serializeSafetensors } from "../../src/io/safetensors.js";

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

test("decodeState says what is wrong with a marker; readCheckpoint adds the file and the field", () => {
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  };
  assert.equal(
    message(() => decodeState({ $tensor: "k" }, {})),
    'tensor "k" is missing from the file',
  );
  assert.equal(
    message(() => decodeState([{ $bigint: "1.5" }], {})),
    'a $bigint marker must hold a string of digits, got "1.5"',
  );
});

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

/** A checkpoint file with hand-written metadata (as a corrupted or hostile file would be). */
function writeRawCheckpoint(name: string, meta: unknown, tensors: Record<string, RawTensor> = {}) {
  const path = join(dir, name);
  const json = typeof meta === "string" ? meta : JSON.stringify(meta);
  writeFileSync(
    path,
    serializeSafetensors(tensors, { format: "pt", [CHECKPOINT_METADATA_KEY]: json }),
  );
  return path;
}

const f32 = (values: number[], shape: number[]): RawTensor => ({
  dtype: "F32",
  shape,
  data: new Float32Array(values),
});

test("readCheckpoint checks the metadata: one error names every bad field", () => {
  const base = { version: 1, epoch: 2, rngState: [1, 2, 3, 4, 0], optimizer: null, extra: null };
  const errorOf = (meta: unknown, options = {}) => {
    const path = writeRawCheckpoint("meta.safetensors", meta);
    try {
      readCheckpoint(path, options);
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  };
  assert.match(
    errorOf({ ...base, epoch: -3 }),
    /invalid checkpoint: epoch must be an integer >= 0, got -3$/,
  );
  assert.match(errorOf({ ...base, epoch: "1" }), /epoch must be an integer >= 0, got "1"$/);
  assert.match(errorOf({ ...base, epoch: 1.5 }), /epoch must be an integer >= 0, got 1\.5$/);
  assert.match(
    errorOf({ ...base, epoch: undefined }),
    /epoch must be an integer >= 0, got undefined$/,
  );
  assert.match(errorOf("null"), /"nabla\.checkpoint" must be a JSON object, got null$/);
  assert.match(errorOf("[1]"), /"nabla\.checkpoint" must be a JSON object, got an array of 1$/);
  const many = errorOf(
    { ...base, epoch: -1, rngState: [0, 0, 0, 0, 0], optimizer: "sgd", scheduler: [1] },
    { checkExtra: () => ["run.limit must be a positive integer, got -5"] },
  );
  assert.match(many, /^loadCheckpoint: .*meta\.safetensors: invalid checkpoint: /);
  for (const part of [
    /epoch must be an integer >= 0, got -1/,
    /rngState is all zeros/,
    /optimizer must be an object, got "sgd"/,
    /scheduler must be an object, got an array of 1/,
    /run\.limit must be a positive integer, got -5/,
  ])
    assert.match(many, part);
  assert.match(
    errorOf({ ...base, rngState: [1, 2, 3] }),
    /rngState must be an array of 5 numbers, got an array of 3/,
  );
  assert.match(
    errorOf({ ...base, rngState: [1, -2, 3, 4, 0] }),
    /rngState\[1\] must be an integer in \[0, 2\^32\), got -2/,
  );
  assert.match(
    errorOf({ ...base, optimizer: { state: { 0: { buf: { $tensor: "constructor" } } } } }),
    /optimizer: tensor "constructor" is missing from the file/,
  );
  assert.match(
    errorOf({ ...base, extra: { x: { $map: 3 } } }),
    /extra: a \$map marker must hold an array of \[key, value\] pairs, got 3/,
  );
  assert.match(
    errorOf({ ...base, extra: { x: { $number: "12" } } }),
    /extra: a \$number marker must hold "NaN", "Infinity" or "-Infinity", got "12"/,
  );
  assert.equal(errorOf(base), "no error");
});

test("keys from the file stay data: a __proto__ tensor is an unexpected key, a __proto__ field of extra an own field", () => {
  const path = writeRawCheckpoint(
    "proto.safetensors",
    { version: 1, epoch: 1, extra: JSON.parse('{"__proto__": {"polluted": 1}, "note": "x"}') },
    { ["__proto__"]: f32([1, 2, 3], [3]), weight: f32([1, 2], [1, 2]), bias: f32([3], [1]) },
  );
  const data = readCheckpoint(path);
  assert.equal(Object.getPrototypeOf(data.model), null);
  assert.deepEqual(Object.keys(data.model).sort(), ["__proto__", "bias", "weight"]);
  assert.equal((data.model as unknown as { shape?: unknown }).shape, undefined);
  const extra = data.extra as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(extra), Object.prototype);
  assert.deepEqual(Object.keys(extra), ["__proto__", "note"]);
  assert.equal((extra as { polluted?: unknown }).polluted, undefined);
  assert.throws(
    () => loadCheckpoint(path, { model: new nb.nn.Linear(2, 1) }),
    /the model does not match: .*Unexpected key\(s\) in state_dict: "__proto__"\./s,
  );
  // Saved again (as a resumed run saves its extra), the key survives.
  const again = join(dir, "proto-again.safetensors");
  saveCheckpoint(again, { model: data.model, epoch: 1, extra });
  const back = readCheckpoint(again).extra as Record<string, unknown>;
  assert.deepEqual(Object.keys(back), ["__proto__", "note"]);
  assert.deepEqual(back["__proto__"], { polluted: 1 });
});
