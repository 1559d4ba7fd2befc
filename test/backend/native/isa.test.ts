// The addon's instruction-set variants (native/isa.h, native/dispatch.cc): one binary holds the
// kernels for a portable baseline, AVX2+FMA and AVX-512, and picks one at load. These tests run
// the whole native kernel suite under every variant this CPU supports, check how a variant is
// chosen, and check the binary itself: no instruction beyond the baseline outside the AVX2 and
// AVX-512 variants, so that the baseline code runs on any x86-64 CPU (npm run test:cpus runs it on
// emulated older CPUs), and no exported symbol but the entry points.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  exportedSymbols,
  wideInstructionsOutsideVariants,
} from "../../../scripts/native-build.mjs";
import { nativeAddonPath } from "../../../src/backend/native/addon.js";
import { SKIP, addon } from "./helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const multiIsa = addon !== null && addon.isa !== "native";
const MULTI_SKIP = SKIP || (multiIsa ? false : "a single-variant build (no ISA dispatch)");

/** Loads the addon in a child process with NABLA_ISA set; returns what it printed. */
function loadWith(isa: string): { status: number | null; out: string; err: string } {
  const probe =
    "const a = require(process.argv[1]);" +
    "process.stdout.write(JSON.stringify({ isa: a.isa, simd: a.simdLevel(), supported: a.supportedIsas }));";
  const r = spawnSync(process.execPath, ["-e", probe, nativeAddonPath()], {
    encoding: "utf8",
    env: { ...process.env, NABLA_ISA: isa },
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe("native ISA variants", { skip: MULTI_SKIP }, () => {
  it("loads the best variant the CPU supports, and NABLA_ISA picks any supported one", () => {
    const supported = addon!.supportedIsas.split(",");
    assert.ok(supported.includes("baseline"), `baseline missing from ${addon!.supportedIsas}`);
    assert.equal(addon!.isa, process.env.NABLA_ISA || supported[0]);
    const simdOf: Record<string, string> = { avx512: "avx512", avx2: "avx2", baseline: "scalar" };
    for (const isa of supported) {
      const r = loadWith(isa);
      assert.equal(r.status, 0, r.err);
      const info = JSON.parse(r.out) as { isa: string; simd: string };
      assert.equal(info.isa, isa);
      assert.equal(info.simd, simdOf[isa]);
    }
  });

  it("refuses an unknown NABLA_ISA with the variants it has", () => {
    const r = loadWith("sse9");
    assert.notEqual(r.status, 0);
    assert.match(
      r.err,
      /NABLA_ISA=sse9 is not a variant of this build \(it has: avx512, avx2, baseline\)/,
    );
  });

  it("every standard header a kernel file includes is in isa.h's prelude", () => {
    // A standard header first included after isa.h's target pragma would compile its inline
    // functions for that variant's ISA, and the linker may keep that copy for every variant.
    const nativeDir = join(root, "native");
    const prelude = new Set(
      [...readFileSync(join(nativeDir, "isa.h"), "utf8").matchAll(/#include <([^>]+)>/g)].map(
        (m) => m[1],
      ),
    );
    const missing: string[] = [];
    for (const name of readdirSync(nativeDir)) {
      if (!/\.(cc|h)$/.test(name) || name === "dispatch.cc") continue;
      for (const m of readFileSync(join(nativeDir, name), "utf8").matchAll(/#include <([^>]+)>/g))
        if (!prelude.has(m[1]!)) missing.push(`${name}: <${m[1]}>`);
    }
    assert.deepEqual(missing, []);
  });

  it("has no instruction beyond the baseline outside the AVX2 and AVX-512 variants", (t) => {
    const scan = wideInstructionsOutsideVariants(nativeAddonPath());
    if (scan === null) {
      t.skip("objdump (binutils) is not available");
      return;
    }
    assert.ok(
      scan.checked > 100,
      `only ${scan.checked} functions outside the variants: parsing failed?`,
    );
    assert.deepEqual(scan.offenders.slice(0, 10), []);
  });

  it("exports nothing but its Node-API entry points", (t) => {
    const symbols = exportedSymbols(nativeAddonPath());
    if (symbols === null) {
      t.skip("nm (binutils) is not available");
      return;
    }
    assert.deepEqual(
      symbols.filter((s) => !s.startsWith("napi_") && !s.startsWith("node_api_")),
      [],
    );
  });

  const others =
    addon !== null && multiIsa
      ? addon.supportedIsas.split(",").filter((v) => v !== addon!.isa)
      : [];
  for (const isa of others) {
    it(`the native kernel suite passes under NABLA_ISA=${isa}`, () => {
      const files = readdirSync(here)
        .filter((f) => f.endsWith(".test.ts") && f !== "isa.test.ts")
        .map((f) => join(here, f));
      // Without NODE_TEST_CONTEXT, which the parent runner sets: the child then reports in TAP on
      // stdout, as a run of its own.
      const { NODE_TEST_CONTEXT: _, ...env } = process.env;
      const r = spawnSync(process.execPath, ["--import", "tsx", "--test", ...files], {
        cwd: root,
        encoding: "utf8",
        env: { ...env, NABLA_ISA: isa, NABLA_BACKEND: "native" },
        maxBuffer: 1 << 28,
      });
      const failures = r.stdout.split("\n").filter((l) => /^\s*not ok/.test(l));
      assert.equal(r.status, 0, `${failures.join("\n")}\n${r.stderr.slice(-2000)}`);
      assert.match(r.stdout, /# pass [1-9]\d*/);
      assert.match(r.stdout, /# fail 0/);
    });
  }
});
