// The Hugging Face safetensors format over plain typed arrays (no Tensor dependency).
//
// Layout: 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
//   {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}
// then the data region, raw little-endian, C order, offsets relative to its start.
//
// Writing is byte-compatible with the reference implementation (safetensors >= 0.4, the Rust
// crate behind Python's `save_file`): tensors are laid out by descending dtype alignment
// (I64, F64, F32, I32, U8, BOOL), then by name in UTF-8 byte order; the JSON header is compact,
// lists `__metadata__` first (when given) and then the tensors in data order, and is padded with
// spaces to a multiple of 8 bytes so that every tensor starts aligned. The one difference:
// Python writes `__metadata__` keys in hash-map order (random for 2+ keys); we sort them.
//
// Reading follows the reference's rules: header <= 100 MB, valid UTF-8 JSON object, known
// dtypes, shapes of non-negative integers, and data_offsets that, sorted, tile the data region
// exactly (begin of each == end of the previous, first begin 0, last end == data length: no gaps,
// overlaps or trailing bytes), with end - begin == elements * dtype size.
//
// I64 is read into a BigInt64Array (lossless, and re-serializes byte for byte); use `toInt32`
// to narrow it with a range check where an Int32Array is wanted (labels, indices, counters).

/** A safetensors dtype that nabla reads and writes, e.g. `"F32"`. */
export type SafetensorsDtype = "F32" | "F64" | "I32" | "I64" | "U8" | "BOOL";

/** A tensor as plain data, e.g. `{ dtype: "F32", shape: [2], data: new Float32Array([1, 2]) }`. BOOL holds 0/1 bytes. */
export type RawTensor =
  | { dtype: "F32"; shape: number[]; data: Float32Array }
  | { dtype: "F64"; shape: number[]; data: Float64Array }
  | { dtype: "I32"; shape: number[]; data: Int32Array }
  | { dtype: "I64"; shape: number[]; data: BigInt64Array }
  | { dtype: "U8"; shape: number[]; data: Uint8Array }
  | { dtype: "BOOL"; shape: number[]; data: Uint8Array };

/** Free-form string metadata stored under `__metadata__`, e.g. `{ format: "pt" }`. */
export type SafetensorsMetadata = Record<string, string>;

/**
 * What `parseSafetensors` returns, e.g. `{ tensors: { w: raw }, metadata: { format: "pt" } }`.
 * Both are null-prototype objects: their keys come from the file, and any name is just a key.
 */
export interface SafetensorsContents {
  tensors: Record<string, RawTensor>;
  /** `undefined` when the file has no `__metadata__` entry. */
  metadata: SafetensorsMetadata | undefined;
}

type AnyTypedArray = RawTensor["data"];
type TypedArrayCtor = { new (buffer: ArrayBuffer): AnyTypedArray; name: string };

const DTYPES: Record<SafetensorsDtype, { size: number; rank: number; ctor: TypedArrayCtor }> = {
  // rank: position in the reference's Dtype enum (increasing alignment); higher is written first.
  BOOL: { size: 1, rank: 0, ctor: Uint8Array },
  U8: { size: 1, rank: 4, ctor: Uint8Array },
  I32: { size: 4, rank: 15, ctor: Int32Array },
  F32: { size: 4, rank: 17, ctor: Float32Array },
  F64: { size: 8, rank: 19, ctor: Float64Array },
  I64: { size: 8, rank: 20, ctor: BigInt64Array },
};

/** Dtypes of the format that nabla recognises but cannot hold; named in the error message. */
const OTHER_DTYPES = new Set([
  "F4",
  "F6_E2M3",
  "F6_E3M2",
  "I8",
  "F8_E5M2",
  "F8_E4M3",
  "F8_E8M0",
  "F8_E4M3FNUZ",
  "F8_E5M2FNUZ",
  "I16",
  "U16",
  "F16",
  "BF16",
  "U32",
  "C64",
  "U64",
]);

/** The reference implementation refuses headers larger than this. */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = "__metadata__";
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const encoder = new TextEncoder();

function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

function describe(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : String(value);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Element count of a shape, checking every dim is a non-negative safe integer. */
function elementCount(shape: unknown, what: string): number {
  if (!Array.isArray(shape))
    fail(`${what}: shape must be an array of integers, got ${describe(shape)}`);
  let count = 1;
  for (const dim of shape) {
    if (typeof dim !== "number" || !Number.isSafeInteger(dim) || dim < 0) {
      fail(
        `${what}: shape [${shape.map(describe).join(",")}] has an invalid dim ${describe(dim)} (dims must be integers >= 0)`,
      );
    }
    count *= dim;
    if (!Number.isSafeInteger(count))
      fail(`${what}: shape [${shape.join(",")}] has too many elements`);
  }
  return count;
}

/** Compare two strings by their UTF-8 bytes, as Rust's `str::cmp` does. */
function compareUtf8(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Swap each `size`-byte element of `bytes` in place (only used on big-endian hosts). */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

function checkBool(data: Uint8Array, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (data[i]! > 1) fail(`${what}: BOOL element ${i} is ${data[i]} (must be 0 or 1)`);
  }
}

/**
 * Serialize tensors (and optional string metadata) to safetensors bytes, byte-compatible with Python's `save_file`.
 * @example const bytes = serializeSafetensors({ w: { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) } }, { format: "pt" });
 */
export function serializeSafetensors(
  tensors: Record<string, RawTensor>,
  metadata?: SafetensorsMetadata,
): Uint8Array {
  const entries: { name: string; key: Uint8Array; t: RawTensor; rank: number; size: number }[] = [];
  for (const name of Object.keys(tensors)) {
    const t = tensors[name]!;
    const what = `tensor ${JSON.stringify(name)}`;
    if (name === METADATA_KEY) fail(`a tensor cannot be named "${METADATA_KEY}"`);
    if (LONE_SURROGATE.test(name)) fail(`${what}: name is not valid Unicode (lone surrogate)`);
    if (t === null || typeof t !== "object")
      fail(`${what}: expected { dtype, shape, data }, got ${describe(t)}`);
    const info = Object.hasOwn(DTYPES, t.dtype) ? DTYPES[t.dtype] : undefined;
    if (!info)
      fail(
        `${what}: unsupported dtype ${describe(t.dtype)} (expected one of ${Object.keys(DTYPES).join(", ")})`,
      );
    if (!(t.data instanceof info.ctor)) {
      fail(
        `${what}: dtype ${t.dtype} needs a ${info.ctor.name}, got ${describe(t.data)} (${(t.data as object)?.constructor?.name})`,
      );
    }
    const count = elementCount(t.shape, what);
    if (t.data.length !== count) {
      fail(
        `${what}: shape [${t.shape.join(",")}] has ${count} elements but data has ${t.data.length}`,
      );
    }
    if (t.dtype === "BOOL") checkBool(t.data, what);
    entries.push({ name, key: encoder.encode(name), t, rank: info.rank, size: info.size });
  }
  entries.sort((a, b) => b.rank - a.rank || compareUtf8(a.key, b.key));

  const parts: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
      fail(`metadata must be an object of strings, got ${describe(metadata)}`);
    }
    const keys = Object.keys(metadata)
      .map((k) => ({ k, bytes: encoder.encode(k) }))
      .sort((a, b) => compareUtf8(a.bytes, b.bytes));
    const fields: string[] = [];
    for (const { k } of keys) {
      const v = metadata[k];
      if (typeof v !== "string")
        fail(`metadata ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
      if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v))
        fail(`metadata ${JSON.stringify(k)} is not valid Unicode`);
      fields.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    parts.push(`"${METADATA_KEY}":{${fields.join(",")}}`);
  }
  let offset = 0;
  for (const e of entries) {
    const n = e.t.data.byteLength;
    parts.push(
      `${JSON.stringify(e.name)}:{"dtype":"${e.t.dtype}","shape":[${e.t.shape.join(",")}],"data_offsets":[${offset},${offset + n}]}`,
    );
    offset += n;
  }
  const json = encoder.encode(`{${parts.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const e of entries) {
    const bytes = new Uint8Array(e.t.data.buffer, e.t.data.byteOffset, e.t.data.byteLength);
    out.set(bytes, at);
    if (!LITTLE_ENDIAN) swapBytes(out.subarray(at, at + bytes.length), e.size);
    at += bytes.length;
  }
  return out;
}

/** Reject JSON nested deeper than a safetensors header can be (3), in one linear pass, before JSON.parse. */
function checkNesting(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > 3) fail("invalid JSON header: nested deeper than a safetensors header can be");
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
}

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function readEntry(name: string, value: unknown): Entry {
  const what = `tensor ${JSON.stringify(name)}`;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`${what}: expected an object {dtype, shape, data_offsets}, got ${describe(value)}`);
  }
  const v = value as Record<string, unknown>;
  const dtype = v["dtype"];
  if (typeof dtype !== "string") fail(`${what}: dtype must be a string, got ${describe(dtype)}`);
  if (!Object.hasOwn(DTYPES, dtype)) {
    if (OTHER_DTYPES.has(dtype))
      fail(
        `${what}: dtype ${dtype} is not supported by nabla (supported: ${Object.keys(DTYPES).join(", ")})`,
      );
    fail(`${what}: unknown dtype ${describe(dtype)}`);
  }
  const offsets = v["data_offsets"];
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => typeof o === "number" && Number.isSafeInteger(o) && o >= 0)
  ) {
    fail(
      `${what}: data_offsets must be [begin, end] with integers >= 0, got ${JSON.stringify(offsets)?.slice(0, 80)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`${what}: data_offsets [${begin},${end}] end before they begin`);
  const count = elementCount(v["shape"], what);
  const size = DTYPES[dtype as SafetensorsDtype].size;
  if (count * size !== end - begin) {
    fail(
      `${what}: shape [${(v["shape"] as number[]).join(",")}] of ${dtype} needs ${count * size} bytes but data_offsets [${begin},${end}] hold ${end - begin}`,
    );
  }
  return {
    name,
    dtype: dtype as SafetensorsDtype,
    shape: (v["shape"] as number[]).slice(),
    begin,
    end,
  };
}

/**
 * Parse safetensors bytes; throws an Error starting with `safetensors:` on any malformed input.
 * @example const { tensors, metadata } = parseSafetensors(readFileSync("model.safetensors"));
 */
export function parseSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array, got ${describe(bytes)}`);
  if (bytes.length < 8)
    fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES))
    fail(`header length ${declared} is larger than the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) {
    fail(
      `header length ${headerLength} exceeds the file (${bytes.length} bytes, so at most ${bytes.length - 8})`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(8, 8 + headerLength),
    );
  } catch {
    fail("header is not valid UTF-8");
  }
  checkNesting(text);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`invalid JSON header: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    fail(`header must be a JSON object, got ${describe(header)}`);
  }

  let metadata: SafetensorsMetadata | undefined;
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (value === null) continue;
      if (typeof value !== "object" || Array.isArray(value))
        fail(`__metadata__ must be an object of strings, got ${describe(value)}`);
      metadata = Object.create(null) as SafetensorsMetadata;
      for (const [k, v] of Object.entries(value as object)) {
        if (typeof v !== "string")
          fail(`__metadata__ ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
        metadata[k] = v;
      }
    } else {
      entries.push(readEntry(name, value));
    }
  }

  // Sorted by offsets, the tensors must tile the data region exactly.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let expected = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    const what = `tensor ${JSON.stringify(e.name)} data_offsets [${e.begin},${e.end}]`;
    if (e.begin < expected)
      fail(`${what} overlap tensor ${JSON.stringify(previous!.name)} which ends at ${expected}`);
    if (e.begin > expected) {
      fail(
        `${what} leave a gap of ${e.begin - expected} bytes after ${previous ? `tensor ${JSON.stringify(previous.name)}` : "the header"} (data must be contiguous)`,
      );
    }
    if (e.end > dataLength)
      fail(`${what} run past the end of the data region (${dataLength} bytes; file truncated?)`);
    expected = e.end;
    previous = e;
  }
  if (expected !== dataLength) {
    fail(
      `tensors cover ${expected} bytes of data but the file holds ${dataLength} after the header (trailing bytes)`,
    );
  }

  const tensors: Record<string, RawTensor> = Object.create(null);
  for (const e of entries) {
    const info = DTYPES[e.dtype];
    // A fresh, aligned buffer (not bytes.slice: on a Node Buffer that is a view, not a copy).
    const copy = new Uint8Array(e.end - e.begin);
    copy.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (!LITTLE_ENDIAN) swapBytes(copy, info.size);
    const data = e.dtype === "U8" || e.dtype === "BOOL" ? copy : new info.ctor(copy.buffer);
    if (e.dtype === "BOOL") checkBool(copy, `tensor ${JSON.stringify(e.name)}`);
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data } as RawTensor;
  }
  return { tensors, metadata };
}

/**
 * Narrow an I64 (or I32) tensor's data to an Int32Array, throwing if a value does not fit.
 * @example const labels = toInt32(parseSafetensors(bytes).tensors["y"]!); // Int32Array
 */
export function toInt32(t: RawTensor): Int32Array {
  if (t.dtype === "I32") return t.data;
  if (t.dtype !== "I64") fail(`toInt32: expected an I64 or I32 tensor, got ${t.dtype}`);
  const out = new Int32Array(t.data.length);
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i]!;
    if (v < -2147483648n || v > 2147483647n)
      fail(`toInt32: element ${i} = ${v} does not fit in int32`);
    out[i] = Number(v);
  }
  return out;
}

/**
 * Widen int32 values to the I64 data PyTorch expects for int64 tensors (e.g. `num_batches_tracked`).
 * @example const t: RawTensor = { dtype: "I64", shape: [], data: toBigInt64(new Int32Array([7])) };
 */
export function toBigInt64(data: ArrayLike<number>): BigInt64Array {
  const out = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isSafeInteger(v)) fail(`toBigInt64: element ${i} = ${v} is not a safe integer`);
    out[i] = BigInt(v);
  }
  return out;
}
