import assert from "node:assert/strict";
import { test } from "node:test";
import {
  parseSafetensors,
  type RawTensor,
  serializeSafetensors,
} from "../../src/io/safetensors.js";

const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));
/** A small seeded PRNG (mulberry32) so fuzz failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomFile(r: () => number): Uint8Array {
  const dtypes = ["F32", "F64", "I32", "I64", "U8", "BOOL"] as const;
  const tensors: Record<string, RawTensor> = {};
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const dtype = dtypes[Math.floor(r() * dtypes.length)]!;
    const shape = Array.from({ length: Math.floor(r() * 3) }, () => Math.floor(r() * 4));
    const count = shape.reduce((a, b) => a * b, 1);
    const data =
      dtype === "F32"
        ? new Float32Array(count).map(() => r() - 0.5)
        : dtype === "F64"
          ? new Float64Array(count).map(() => r() * 1e6)
          : dtype === "I32"
            ? new Int32Array(count).map(() => (r() * 2 ** 32) | 0)
            : dtype === "I64"
              ? new BigInt64Array(count).map(() => BigInt(Math.floor(r() * 2 ** 53)) - 2n ** 52n)
              : dtype === "U8"
                ? new Uint8Array(count).map(() => r() * 256)
                : new Uint8Array(count).map(() => (r() < 0.5 ? 0 : 1));
    tensors[`t${i}.${"w".repeat(Math.floor(r() * 3))}`] = { dtype, shape, data } as RawTensor;
  }
  return serializeSafetensors(tensors, r() < 0.5 ? { format: "pt", step: String(n) } : undefined);
}

function mutate(bytes: Uint8Array, r: () => number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const headerLength = Number(new DataView(out.buffer).getBigUint64(0, true));
  const pick = Math.floor(r() * 6);
  if (pick === 0) {
    const flips = 1 + Math.floor(r() * 4);
    for (let i = 0; i < flips; i++) out[Math.floor(r() * out.length)]! ^= 1 << Math.floor(r() * 8);
    return out;
  }
  if (pick === 1) return out.slice(0, Math.floor(r() * out.length));
  if (pick === 2) {
    const choices = [
      0n,
      1n,
      BigInt(headerLength - 1),
      BigInt(headerLength + 1),
      BigInt(out.length),
      2n ** 64n - 1n,
      BigInt(Math.floor(r() * 2 ** 40)),
    ];
    new DataView(out.buffer).setBigUint64(0, choices[Math.floor(r() * choices.length)]!, true);
    return out;
  }
  // JSON edits inside the header: replace a number, a token, delete or insert characters.
  let text = Buffer.from(out.subarray(8, 8 + headerLength)).toString("latin1");
  const data = out.subarray(8 + headerLength);
  const edits = [
    () => text.replace(/\d+/g, (m) => (r() < 0.3 ? String(Math.floor(r() * 40) - 5) : m)),
    () =>
      text.replace(
        /"(F32|F64|I32|I64|U8|BOOL)"/,
        () => `"${["F16", "BOOL", "I64", "U8", "x", ""][Math.floor(r() * 6)]}"`,
      ),
    () => {
      const at = Math.floor(r() * text.length);
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 5));
    },
    () => {
      const at = Math.floor(r() * text.length);
      const junk = [
        '"',
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "-1",
        "1e400",
        "null",
        "\\",
        "\u00ff",
        "1.5",
      ][Math.floor(r() * 13)];
      return text.slice(0, at) + junk + text.slice(at);
    },
    () =>
      text.replace(/"shape":\[[^\]]*\]/, `"shape":[${Math.floor(r() * 5)},${Math.floor(r() * 3)}]`),
    () =>
      text.replace(/"data_offsets":\[(\d+),(\d+)\]/, (_m, a, b) => `"data_offsets":[${b},${a}]`),
  ];
  text = edits[Math.floor(r() * edits.length)]!();
  const header = Buffer.from(text, "latin1");
  const keepLength = r() < 0.3;
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(keepLength ? headerLength : header.length), true);
  return concat(len, header, data);
}

test(
  "fuzz: mutated files either parse to valid tensors or throw a safetensors: Error",
  {
    timeout: 120_000,
  },
  () => {
    const r = rng(12345);
    let parsed = 0;
    let rejected = 0;
    const CASES = 3000;
    for (let i = 0; i < CASES; i++) {
      const original = randomFile(r);
      const bytes = mutate(original, r);
      let result: ReturnType<typeof parseSafetensors>;
      try {
        result = parseSafetensors(bytes);
      } catch (e) {
        if (
          !(e instanceof Error) ||
          e.constructor !== Error ||
          !e.message.startsWith("safetensors: ")
        ) {
          assert.fail(
            `case ${i}: unexpected ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`,
          );
        }
        rejected++;
        continue;
      }
      parsed++;
      for (const [name, t] of Object.entries(result.tensors)) {
        const count = t.shape.reduce((a, b) => a * b, 1);
        assert.equal(t.data.length, count, `case ${i}: ${name}`);
      }
      // Whatever parsed must re-serialize and parse back to the same contents.
      assert.deepEqual(
        parseSafetensors(serializeSafetensors(result.tensors, result.metadata)),
        result,
        `case ${i}`,
      );
    }
    assert.equal(parsed + rejected, CASES);
    assert.ok(rejected > CASES / 2 && parsed > 10, `parsed ${parsed}, rejected ${rejected}`);
  },
);
