import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as nb from "../../src/index.js";
import {
  parseSafetensors,
  type RawTensor,
  serializeSafetensors,
} from "../../src/io/safetensors.js";
import {
  loadStateDict,
  rawToTensor,
  saveStateDict,
  stateDictToRaw,
  tensorToRaw,
} from "../../src/io/state-dict.js";

const dir = mkdtempSync(join(tmpdir(), "nabla-sd-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const ascii = (s: string) => Uint8Array.from(Buffer.from(s, "utf8"));
const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

function roundTrip(sd: Record<string, nb.Tensor>, options = {}) {
  const path = join(dir, `rt-${Math.random().toString(36).slice(2)}.safetensors`);
  saveStateDict(path, sd, options);
  return { back: loadStateDict(path), file: parseSafetensors(readFileSync(path)) };
}

test("round trip per dtype: F32, F64, BOOL, int32 as I64 (default), I32 and U8", () => {
  const sd = {
    f32: nb.tensor([
      [1.5, -2],
      [3.25, 1e-30],
    ]),
    f64: nb.tensor([Math.PI, -1e300, 5e-324], { dtype: "float64" }),
    mask: nb.tensor([true, false, true]),
    steps: nb.tensor(2147483647, { dtype: "int32" }),
    idx: nb.tensor([-2147483648, 0, 7], { dtype: "int32" }),
    small: nb.tensor([0, 255, 3], { dtype: "int32" }),
    empty: nb.zeros([0, 3]),
  };
  const { back, file } = roundTrip(sd, { dtypes: { idx: "I32", small: "U8" } });
  assert.deepEqual(Object.fromEntries(Object.entries(file.tensors).map(([k, t]) => [k, t.dtype])), {
    f32: "F32",
    f64: "F64",
    mask: "BOOL",
    steps: "I64",
    idx: "I32",
    small: "U8",
    empty: "F32",
  });
  assert.deepEqual({ ...file.metadata }, { format: "pt" });
  for (const [key, t] of Object.entries(sd)) {
    const b = back[key]!;
    assert.equal(b.dtype, t.dtype, key);
    assert.deepEqual(b.shape, t.shape, key);
    assert.deepEqual(b.data(), t.data(), key);
  }
});

test("non-contiguous tensors are written in C order", () => {
  const t = nb.arange(6).reshape(2, 3).transpose(0, 1);
  const { back } = roundTrip({ t });
  assert.deepEqual(back["t"]!.toArray(), [
    [0, 3],
    [1, 4],
    [2, 5],
  ]);
});

test("I64 values outside int32 are an error naming the key; U8 overflow too", () => {
  const raw = { dtype: "I64" as const, shape: [2], data: new BigInt64Array([1n, 1n << 40n]) };
  assert.throws(() => rawToTensor(raw, "1.num_batches_tracked"), /"1\.num_batches_tracked".*int32/);
  assert.throws(
    () => tensorToRaw(nb.tensor([256], { dtype: "int32" }), "U8", "x"),
    /"x" element 0 = 256 does not fit in U8/,
  );
  assert.throws(
    () => stateDictToRaw({ w: [1, 2] as unknown as nb.Tensor }),
    /saveStateDict: "w" is not a Tensor/,
  );
});

test("a Map state dict is accepted", () => {
  const { back } = roundTrip(new Map([["a", nb.ones([2])]]) as never);
  assert.deepEqual(back["a"]!.toArray(), [1, 1]);
});

// A tiny LeNet-like state dict (conv, batch norm, linear), written by hand from the format spec:
// u64 LE header length 616 (0x268) = 612 bytes of JSON + 4 spaces of padding to a multiple of 8;
// tensors laid out I64 first, then F32 by name (as Python's save_file does).
const LENET_JSON =
  '{"__metadata__":{"format":"pt"},' +
  '"1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
  '"0.bias":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
  '"0.weight":{"dtype":"F32","shape":[1,1,2,2],"data_offsets":[12,28]},' +
  '"1.bias":{"dtype":"F32","shape":[1],"data_offsets":[28,32]},' +
  '"1.running_mean":{"dtype":"F32","shape":[1],"data_offsets":[32,36]},' +
  '"1.running_var":{"dtype":"F32","shape":[1],"data_offsets":[36,40]},' +
  '"1.weight":{"dtype":"F32","shape":[1],"data_offsets":[40,44]},' +
  '"4.bias":{"dtype":"F32","shape":[2],"data_offsets":[44,52]},' +
  '"4.weight":{"dtype":"F32","shape":[2,1],"data_offsets":[52,60]}}';
const LENET_FILE = concat(
  hex("68 02 00 00 00 00 00 00"),
  ascii(`${LENET_JSON}    `),
  hex("05 00 00 00 00 00 00 00"), // 1.num_batches_tracked = 5 (int64)
  hex("00 00 80 3e"), // 0.bias = [0.25]
  hex("00 00 80 3f  00 00 00 3f  00 00 00 bf  00 00 80 bf"), // 0.weight = [1, 0.5, -0.5, -1]
  hex("00 00 00 00"), // 1.bias = [0]
  hex("00 00 00 40"), // 1.running_mean = [2]
  hex("00 00 80 3f"), // 1.running_var = [1]
  hex("00 00 80 3f"), // 1.weight = [1]
  hex("00 00 00 00  00 00 00 00"), // 4.bias = [0, 0]
  hex("00 00 00 40  00 00 00 c0"), // 4.weight = [[2], [-2]]
);
const lenetStateDict = () => ({
  "0.weight": nb.tensor([
    [
      [
        [1, 0.5],
        [-0.5, -1],
      ],
    ],
  ]),
  "0.bias": nb.tensor([0.25]),
  "1.weight": nb.tensor([1]),
  "1.bias": nb.tensor([0]),
  "1.running_mean": nb.tensor([2]),
  "1.running_var": nb.tensor([1]),
  "1.num_batches_tracked": nb.tensor(5, { dtype: "int32" }),
  "4.weight": nb.tensor([[2], [-2]]),
  "4.bias": nb.tensor([0, 0]),
});

test("hand-written LeNet-like fixture: saveStateDict writes exactly these bytes", () => {
  assert.equal(LENET_JSON.length, 612);
  const path = join(dir, "lenet-out.safetensors");
  saveStateDict(path, lenetStateDict());
  assert.deepEqual(new Uint8Array(readFileSync(path)), LENET_FILE);
  // PyTorch's module order (not sorted) gives the same bytes.
  assert.deepEqual(
    serializeSafetensors(stateDictToRaw(lenetStateDict()), { format: "pt" }),
    LENET_FILE,
  );
});

test("hand-written LeNet-like fixture: loadStateDict reads these bytes", () => {
  const path = join(dir, "lenet-in.safetensors");
  writeFileSync(path, LENET_FILE);
  const sd = loadStateDict(path);
  const expected = lenetStateDict();
  assert.deepEqual(Object.keys(sd).sort(), Object.keys(expected).sort());
  for (const [key, t] of Object.entries(expected)) {
    assert.equal(sd[key]!.dtype, t.dtype, key);
    assert.deepEqual(sd[key]!.shape, t.shape, key);
    assert.deepEqual(sd[key]!.toArray(), t.toArray(), key);
  }
  assert.equal(sd["1.num_batches_tracked"]!.dtype, "int32");
  assert.equal(sd["1.num_batches_tracked"]!.item(), 5);
});

test("a malformed file is rejected with its path in the message", () => {
  const path = join(dir, "bad.safetensors");
  writeFileSync(path, LENET_FILE.subarray(0, LENET_FILE.length - 1));
  assert.throws(
    () => loadStateDict(path),
    (e: Error) => e.message.includes(path),
  );
});

test("a tensor named __proto__ stays a key: the state dict has no prototype, and strict loading lists it as unexpected", () => {
  const f32 = (values: number[], shape: number[]): RawTensor => ({
    dtype: "F32",
    shape,
    data: new Float32Array(values),
  });
  const path = join(dir, "proto.safetensors");
  writeFileSync(
    path,
    serializeSafetensors({
      ["__proto__"]: f32([1, 2, 3], [3]),
      weight: f32([0.5, -0.5], [1, 2]),
      bias: f32([0.25], [1]),
    }),
  );
  const sd = loadStateDict(path);
  assert.equal(Object.getPrototypeOf(sd), null);
  assert.deepEqual(Object.keys(sd).sort(), ["__proto__", "bias", "weight"]);
  assert.equal((sd as unknown as { shape?: unknown }).shape, undefined);
  assert.deepEqual(sd["__proto__"]!.toArray(), [1, 2, 3]);
  const net = new nb.nn.Linear(2, 1);
  assert.throws(
    () => net.loadStateDict(sd),
    (e: Error) => /Unexpected key\(s\) in state_dict: "__proto__"\./.test(e.message),
  );
  const result = net.loadStateDict(sd, { strict: false });
  assert.deepEqual(result.unexpectedKeys, ["__proto__"]);
  assert.deepEqual(net.weight.toArray(), [[0.5, -0.5]]);
});

test("per-key dtypes are looked up as own keys only: a tensor named __proto__ keeps the default", () => {
  const sd = Object.fromEntries([["__proto__", nb.tensor([300], { dtype: "int32" })]]);
  const raw = stateDictToRaw(sd, { dtypes: { other: "U8" } });
  assert.deepEqual(Object.keys(raw), ["__proto__"]);
  assert.equal(raw["__proto__"]!.dtype, "I64");
  assert.throws(
    () => stateDictToRaw(sd, { intDtype: "I16" as never }),
    /saveStateDict: "__proto__": int dtype must be "I64", "I32" or "U8", got "I16"/,
  );
});
