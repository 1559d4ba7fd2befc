import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadSafetensors, saveSafetensors, writeFileAtomic } from "../../src/io/files.js";
import {
  parseSafetensors,
  type RawTensor,
  serializeSafetensors,
  toBigInt64,
  toInt32,
} from "../../src/io/safetensors.js";

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const ascii = (s: string) => Uint8Array.from(Buffer.from(s, "utf8"));
const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

// Built by hand from the format description: u64 LE header length 256 (0x100), a 253-byte JSON
// header padded with 3 spaces, then the data. Tensors are laid out by descending dtype alignment
// (I64, F32, U8, BOOL), then by name, as Python's save_file does.
const HAND_JSON =
  '{"__metadata__":{"format":"pt"},' +
  '"c":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
  '"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
  '"b":{"dtype":"U8","shape":[3],"data_offsets":[16,19]},' +
  '"mask":{"dtype":"BOOL","shape":[2,1],"data_offsets":[19,21]}}';
const HAND_FILE = concat(
  hex("00 01 00 00 00 00 00 00"),
  ascii(`${HAND_JSON}   `),
  hex("07 00 00 00 00 00 00 00"), // c = 7n
  hex("00 00 80 3f  00 00 00 c0"), // a = [1, -2]
  hex("01 02 03"), // b
  hex("01 00"), // mask
);
const HAND_TENSORS: Record<string, RawTensor> = {
  a: { dtype: "F32", shape: [2], data: new Float32Array([1, -2]) },
  b: { dtype: "U8", shape: [3], data: new Uint8Array([1, 2, 3]) },
  c: { dtype: "I64", shape: [], data: new BigInt64Array([7n]) },
  mask: { dtype: "BOOL", shape: [2, 1], data: new Uint8Array([1, 0]) },
};

test("hand-built fixture: parse", () => {
  assert.equal(HAND_JSON.length, 253);
  const { tensors, metadata } = parseSafetensors(HAND_FILE);
  assert.deepEqual({ ...metadata }, { format: "pt" });
  assert.deepEqual(Object.keys(tensors).sort(), ["a", "b", "c", "mask"]);
  for (const name of Object.keys(HAND_TENSORS))
    assert.deepEqual(tensors[name], HAND_TENSORS[name], name);
});

test("hand-built fixture: serialize gives the same bytes, whatever the insertion order", () => {
  assert.deepEqual(serializeSafetensors(HAND_TENSORS, { format: "pt" }), HAND_FILE);
  const reversed = Object.fromEntries(Object.entries(HAND_TENSORS).reverse());
  assert.deepEqual(serializeSafetensors(reversed, { format: "pt" }), HAND_FILE);
});

test("byte-compatible with the reference implementation's own test vectors", () => {
  // safetensors/src/tensor.rs test_empty: no tensors, no metadata -> "{}" padded to 8.
  assert.deepEqual(serializeSafetensors({}), concat(hex("0800000000000000"), ascii("{}      ")));
  // test_empty with metadata {"framework": "pt"}: a 35-byte header padded to 40.
  assert.deepEqual(
    serializeSafetensors({}, { framework: "pt" }),
    concat(hex("2800000000000000"), ascii('{"__metadata__":{"framework":"pt"}}     ')),
  );
  const f32 = new Float32Array([0, 1, 2, 3, 4, 5]);
  const f32Bytes = hex("00000000 0000803f 00000040 00004040 00008040 0000a040");
  // test_serialization: "attn.0" F32 [1,2,3]; the header is exactly 64 bytes, no padding.
  assert.deepEqual(
    serializeSafetensors({ "attn.0": { dtype: "F32", shape: [1, 2, 3], data: f32 } }),
    concat(
      hex("4000000000000000"),
      ascii('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'),
      f32Bytes,
    ),
  );
  // test_serialization_forced_alignement: "attn0" [1,1,2,3]: 65 bytes padded with 7 spaces to 72.
  assert.deepEqual(
    serializeSafetensors({ attn0: { dtype: "F32", shape: [1, 1, 2, 3], data: f32 } }),
    concat(
      hex("4800000000000000"),
      ascii('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       '),
      f32Bytes,
    ),
  );
  // Reader vectors: scalar I32, zero-sized tensor, header padded with JSON whitespace on both sides.
  const scalar = parseSafetensors(
    concat(
      hex("3800000000000000"),
      ascii('{"test":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}'),
      hex("00000000"),
    ),
  );
  assert.deepEqual(scalar.tensors["test"], { dtype: "I32", shape: [], data: new Int32Array(1) });
  const empty = parseSafetensors(
    concat(
      hex("3c00000000000000"),
      ascii('{"test":{"dtype":"I32","shape":[2,0],"data_offsets":[0, 0]}}'),
    ),
  );
  assert.deepEqual(empty.tensors["test"], { dtype: "I32", shape: [2, 0], data: new Int32Array(0) });
  assert.deepEqual(
    Object.keys(parseSafetensors(concat(hex("0600000000000000"), hex("090a7b7d0d20"))).tensors),
    [],
  );
});

test("names sort by UTF-8 bytes (as Rust does), and unusual names survive", () => {
  const one = (v: number): RawTensor => ({ dtype: "F32", shape: [1], data: new Float32Array([v]) });
  // U+FF5E sorts before U+1F600 in UTF-8 but after it in UTF-16 code units.
  const tensors = {
    "\u{1F600}": one(1),
    "\uFF5E": one(2),
    __proto__x: one(3),
    'a"b\\c\n': one(4),
    "": one(5),
  };
  const bytes = serializeSafetensors(tensors);
  const text = Buffer.from(bytes).toString("utf8");
  assert.ok(text.indexOf("\uFF5E") < text.indexOf("\u{1F600}"));
  assert.deepEqual({ ...parseSafetensors(bytes).tensors }, tensors);
  // A tensor literally named "__proto__" is an ordinary key of a null-prototype object.
  const json = '{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';
  const file = concat(hex("4000000000000000"), ascii(json.padEnd(64)), hex("2a"));
  const parsed = parseSafetensors(file);
  assert.deepEqual(Object.keys(parsed.tensors), ["__proto__"]);
  assert.equal(Object.getPrototypeOf(parsed.tensors), null);
  assert.equal(parsed.tensors["__proto__"]!.data[0], 0x2a);
  assert.deepEqual(serializeSafetensors(parsed.tensors), file);
});

test("round-trips every dtype, including extreme values and unaligned source views", () => {
  const backing = new ArrayBuffer(64);
  const tensors: Record<string, RawTensor> = {
    f32: {
      dtype: "F32",
      shape: [2, 3],
      data: new Float32Array([0, -0, 1.5, Number.NaN, Infinity, -3.4e38]),
    },
    f64: {
      dtype: "F64",
      shape: [4],
      data: new Float64Array([Math.PI, -Number.MAX_VALUE, Number.MIN_VALUE, -Infinity]),
    },
    i32: { dtype: "I32", shape: [3], data: new Int32Array([-2147483648, 0, 2147483647]) },
    i64: {
      dtype: "I64",
      shape: [3, 1],
      data: new BigInt64Array([-(2n ** 63n), 0n, 2n ** 63n - 1n]),
    },
    u8: { dtype: "U8", shape: [1, 1, 4], data: new Uint8Array([0, 1, 128, 255]) },
    bool: { dtype: "BOOL", shape: [5], data: new Uint8Array([1, 0, 0, 1, 1]) },
    empty: { dtype: "F32", shape: [0, 7], data: new Float32Array(0) },
    view: { dtype: "F64", shape: [2], data: new Float64Array(backing, 8, 2).fill(2.25) },
  };
  const { tensors: back, metadata } = parseSafetensors(serializeSafetensors(tensors));
  assert.equal(metadata, undefined);
  assert.deepEqual({ ...back }, tensors);
  for (const t of Object.values(back)) assert.equal(t.data.byteOffset, 0);
  assert.ok(Object.is(back["f32"]!.data[1], -0));
  // Metadata keys come out sorted; an empty metadata object is written (as Python does for {}).
  const md = serializeSafetensors({}, { z: "1", a: "\u00e9\u{1F600}" });
  assert.deepEqual({ ...parseSafetensors(md).metadata }, { a: "\u00e9\u{1F600}", z: "1" });
  assert.ok(
    Buffer.from(md)
      .toString()
      .startsWith('\u0000\u0000\u0000\u0000\u0000\u0000\u0000{"__metadata__":{"a":', 1),
  );
  assert.deepEqual({ ...parseSafetensors(serializeSafetensors({}, {})).metadata }, {});
});

test("unaligned offsets in a file are copied into aligned arrays", () => {
  // Header of 61 bytes (not a multiple of 8): data starts at byte 69, unaligned for F64.
  const json = '{"x":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}     ';
  const data = new Uint8Array(new Float64Array([1.25, -7]).buffer);
  const file = concat(hex("3c00000000000000"), ascii(json.slice(0, 60)), data);
  const x = parseSafetensors(file).tensors["x"]!;
  assert.deepEqual(x.data, new Float64Array([1.25, -7]));
});

test("int64 helpers: toInt32 range-checks, toBigInt64 widens", () => {
  assert.deepEqual(
    toInt32({ dtype: "I64", shape: [2], data: new BigInt64Array([-5n, 2147483647n]) }),
    new Int32Array([-5, 2147483647]),
  );
  assert.throws(
    () => toInt32({ dtype: "I64", shape: [1], data: new BigInt64Array([2n ** 31n]) }),
    /safetensors: toInt32: element 0 = 2147483648/,
  );
  assert.throws(
    () => toInt32({ dtype: "F32", shape: [1], data: new Float32Array(1) }),
    /expected an I64 or I32/,
  );
  assert.deepEqual(toBigInt64(new Int32Array([3, -1])), new BigInt64Array([3n, -1n]));
});

test("serialize rejects inconsistent input", () => {
  const bad = (tensors: Record<string, unknown>, re: RegExp, metadata?: unknown) =>
    assert.throws(
      () =>
        serializeSafetensors(
          tensors as Record<string, RawTensor>,
          metadata as Record<string, string>,
        ),
      re,
    );
  bad(
    { x: { dtype: "F32", shape: [3], data: new Float32Array(2) } },
    /safetensors: tensor "x": shape \[3\] has 3 elements but data has 2/,
  );
  bad({ x: { dtype: "F32", shape: [2], data: new Float64Array(2) } }, /needs a Float32Array/);
  bad({ x: { dtype: "F16", shape: [2], data: new Uint8Array(4) } }, /unsupported dtype "F16"/);
  bad({ x: { dtype: "F32", shape: [-1], data: new Float32Array(0) } }, /invalid dim -1/);
  bad({ x: { dtype: "F32", shape: [1.5], data: new Float32Array(1) } }, /invalid dim 1.5/);
  bad({ x: { dtype: "BOOL", shape: [1], data: new Uint8Array([2]) } }, /BOOL element 0 is 2/);
  bad(
    { __metadata__: { dtype: "U8", shape: [0], data: new Uint8Array(0) } },
    /cannot be named "__metadata__"/,
  );
  bad({ "\uD800": { dtype: "U8", shape: [0], data: new Uint8Array(0) } }, /lone surrogate/);
  bad({}, /metadata "k" must be a string, got 1/, { k: 1 });
});

/** A valid header + data, for the malformed cases below. */
function file(
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  declared?: bigint,
): Uint8Array {
  const json = ascii(typeof header === "string" ? header : JSON.stringify(header));
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
  return concat(len, json, data);
}
const T = (dtype: string, shape: unknown, offsets: unknown) => ({
  dtype,
  shape,
  data_offsets: offsets,
});

test("parse rejects every malformed file with a clear safetensors: error", () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty file", new Uint8Array(0), /file is 0 bytes, too short/],
    ["7 bytes", new Uint8Array(7), /too short/],
    [
      "header length past the file",
      file({}, undefined, 100n),
      /header length 100 exceeds the file \(10 bytes/,
    ],
    [
      "absurd header length",
      file({}, undefined, 2n ** 63n),
      /header length 9223372036854775808 is larger than the 100000000-byte limit/,
    ],
    ["u64 max", file({}, undefined, 2n ** 64n - 1n), /larger than the 100000000-byte limit/],
    ["invalid UTF-8", concat(hex("0200000000000000"), hex("c328")), /header is not valid UTF-8/],
    ["invalid JSON", file("{not json}"), /invalid JSON header: /],
    ["empty header", file(""), /invalid JSON header/],
    ["array header", file([1, 2]), /header must be a JSON object, got an array/],
    ["number header", file("42"), /header must be a JSON object, got 42/],
    ["null header", file("null"), /header must be a JSON object, got null/],
    ["deep nesting", file(`${"[".repeat(100000)}${"]".repeat(100000)}`), /nested deeper/],
    ["entry not an object", file({ x: [1] }), /tensor "x": expected an object/],
    [
      "missing dtype",
      file({ x: { shape: [1], data_offsets: [0, 4] } }),
      /tensor "x": dtype must be a string, got undefined/,
    ],
    [
      "unknown dtype",
      file({ x: T("F33", [1], [0, 4]) }, new Uint8Array(4)),
      /tensor "x": unknown dtype "F33"/,
    ],
    [
      "unsupported dtype",
      file({ x: T("BF16", [1], [0, 2]) }, new Uint8Array(2)),
      /dtype BF16 is not supported by nabla/,
    ],
    [
      "missing shape",
      file({ x: { dtype: "F32", data_offsets: [0, 4] } }, new Uint8Array(4)),
      /shape must be an array/,
    ],
    ["negative dim", file({ x: T("U8", [-1], [0, 0]) }), /invalid dim -1/],
    ["fractional dim", file({ x: T("U8", [1.5], [0, 1]) }, new Uint8Array(1)), /invalid dim 1.5/],
    ["string dim", file({ x: T("U8", ["2"], [0, 2]) }, new Uint8Array(2)), /invalid dim "2"/],
    [
      "huge dims",
      file({ x: T("U8", [2 ** 40, 2 ** 40], [0, 1]) }, new Uint8Array(1)),
      /too many elements/,
    ],
    [
      "bad offsets type",
      file({ x: T("U8", [1], "0,1") }, new Uint8Array(1)),
      /data_offsets must be \[begin, end\]/,
    ],
    ["3 offsets", file({ x: T("U8", [1], [0, 1, 2]) }, new Uint8Array(1)), /data_offsets must be/],
    ["negative offset", file({ x: T("U8", [1], [-1, 0]) }), /data_offsets must be/],
    [
      "reversed offsets",
      file({ x: T("U8", [0], [1, 0]) }, new Uint8Array(1)),
      /end before they begin/,
    ],
    [
      "size mismatch",
      file({ x: T("F32", [2], [0, 4]) }, new Uint8Array(4)),
      /shape \[2\] of F32 needs 8 bytes but data_offsets \[0,4\] hold 4/,
    ],
    [
      "out of range",
      file({ x: T("U8", [4], [0, 4]) }, new Uint8Array(2)),
      /run past the end of the data region \(2 bytes/,
    ],
    [
      "overlap",
      file({ x: T("U8", [4], [0, 4]), y: T("U8", [2], [2, 4]) }, new Uint8Array(4)),
      /tensor "y" data_offsets \[2,4\] overlap tensor "x" which ends at 4/,
    ],
    [
      "gap",
      file({ x: T("U8", [2], [0, 2]), y: T("U8", [1], [3, 4]) }, new Uint8Array(4)),
      /leave a gap of 1 bytes after tensor "x"/,
    ],
    [
      "gap at start",
      file({ x: T("U8", [2], [2, 4]) }, new Uint8Array(4)),
      /leave a gap of 2 bytes after the header/,
    ],
    [
      "trailing bytes",
      file({ x: T("U8", [2], [0, 2]) }, new Uint8Array(3)),
      /tensors cover 2 bytes of data but the file holds 3/,
    ],
    ["no tensors but data", file({}, new Uint8Array(1)), /cover 0 bytes/],
    [
      "metadata not an object",
      file({ __metadata__: "x" }),
      /__metadata__ must be an object of strings, got "x"/,
    ],
    [
      "metadata value not a string",
      file({ __metadata__: { a: 1 } }),
      /__metadata__ "a" must be a string, got 1/,
    ],
    [
      "bool value 2",
      file({ x: T("BOOL", [1], [0, 1]) }, new Uint8Array([2])),
      /BOOL element 0 is 2/,
    ],
  ];
  for (const [name, bytes, re] of cases) {
    assert.throws(
      () => parseSafetensors(bytes),
      (e: unknown) => {
        assert.ok(e instanceof Error, name);
        assert.ok(e.message.startsWith("safetensors: "), `${name}: ${e.message}`);
        assert.match(e.message, re, name);
        return true;
      },
      name,
    );
  }
  assert.throws(
    () => parseSafetensors("abc" as unknown as Uint8Array),
    /safetensors: expected a Uint8Array/,
  );
});

test("files: saveSafetensors / loadSafetensors round-trip atomically; errors name the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "nabla-st-"));
  try {
    const path = join(dir, "model.safetensors");
    saveSafetensors(path, HAND_TENSORS, { format: "pt" });
    assert.deepEqual(new Uint8Array(readFileSync(path)), HAND_FILE);
    const loaded = loadSafetensors(path);
    assert.deepEqual({ ...loaded.metadata }, { format: "pt" });
    assert.deepEqual(loaded.tensors["a"], HAND_TENSORS["a"]);
    assert.equal(loaded.tensors["a"]!.data.byteOffset, 0);
    // Overwrite in place; no temporary files are left behind.
    saveSafetensors(path, { a: HAND_TENSORS["a"]! });
    assert.deepEqual(Object.keys(loadSafetensors(path).tensors), ["a"]);
    writeFileAtomic(join(dir, "note.txt"), "hello");
    assert.equal(readFileSync(join(dir, "note.txt"), "utf8"), "hello");
    assert.deepEqual(readdirSync(dir).sort(), ["model.safetensors", "note.txt"]);
    const broken = join(dir, "broken.safetensors");
    writeFileSync(broken, HAND_FILE.subarray(0, 100));
    assert.throws(
      () => loadSafetensors(broken),
      (e: Error) => e.message.startsWith(`safetensors: ${broken}: header length 256 exceeds`),
    );
    // A failed write (missing directory) leaves nothing behind and throws the fs error.
    assert.throws(() => writeFileAtomic(join(dir, "missing", "x.bin"), "x"), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
