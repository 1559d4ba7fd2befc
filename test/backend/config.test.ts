// The engine's settings from NABLA_* variables (src/backend/config.ts): defaults where there is
// no environment (a browser), the values each variable takes, and a clear error for the others.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hostEnvironment, readSettings, settings } from "../../src/backend/config.js";
import { assertThrowsWith } from "../helpers.js";

const DEFAULTS = {
  backend: undefined,
  debugUninit: false,
  pool: true,
  gcBallastMiB: 8,
  nativePath: undefined,
};

describe("readSettings", () => {
  test("an empty environment (a browser's) gives the defaults", () => {
    assert.deepEqual(readSettings({}), DEFAULTS);
  });

  test("empty values count as unset", () => {
    const env = {
      NABLA_BACKEND: "",
      NABLA_DEBUG_UNINIT: " ",
      NABLA_POOL: "",
      NABLA_GC_BALLAST_MB: "",
      NABLA_NATIVE_PATH: "",
    };
    assert.deepEqual(readSettings(env), DEFAULTS);
  });

  test("each variable sets its setting", () => {
    const env = {
      NABLA_BACKEND: " JS ",
      NABLA_DEBUG_UNINIT: "1",
      NABLA_POOL: "0",
      NABLA_GC_BALLAST_MB: "0.5",
      NABLA_NATIVE_PATH: "build-asan/nabla_native.node",
    };
    assert.deepEqual(readSettings(env), {
      backend: "js",
      debugUninit: true,
      pool: false,
      gcBallastMiB: 0.5,
      nativePath: "build-asan/nabla_native.node",
    });
    assert.equal(readSettings({ NABLA_BACKEND: "native" }).backend, "native");
    assert.equal(readSettings({ NABLA_POOL: "1" }).pool, true);
    assert.equal(readSettings({ NABLA_GC_BALLAST_MB: "0" }).gcBallastMiB, 0);
  });

  test("a value a variable cannot take is an error naming both", () => {
    assertThrowsWith(
      () => readSettings({ NABLA_BACKEND: "cuda" }),
      'NABLA_BACKEND must be "js" or "native" (or unset), got "cuda"',
    );
    assertThrowsWith(
      () => readSettings({ NABLA_DEBUG_UNINIT: "yes" }),
      'NABLA_DEBUG_UNINIT must be 0 or 1, got "yes"',
    );
    assertThrowsWith(
      () => readSettings({ NABLA_POOL: "off" }),
      'NABLA_POOL must be 0 or 1, got "off"',
    );
    for (const bad of ["-1", "lots", "Infinity"])
      assertThrowsWith(
        () => readSettings({ NABLA_GC_BALLAST_MB: bad }),
        `NABLA_GC_BALLAST_MB must be a number of MiB, 0 or more, got "${bad}"`,
      );
  });
});

test("on Node the settings come from process.env", () => {
  assert.equal(hostEnvironment(), process.env);
  assert.deepEqual(settings, readSettings(process.env));
});
