#!/usr/bin/env node
// `npm run asan`: builds the addon with AddressSanitizer in build/asan/ (a copy of binding.gyp and
// native/, built with NABLA_ASAN=1 so binding.gyp adds -fsanitize=address -fno-omit-frame-pointer)
// and runs test/backend/native/*.test.ts against it. node itself is not instrumented, so the ASan
// runtime is preloaded: LD_PRELOAD=$(gcc -print-file-name=libasan.so). Leak detection is off
// because V8 keeps allocations alive until exit by design; every other finding fails the run
// (halt_on_error), and a test run that loads the normal addon instead is impossible since
// NABLA_NATIVE_PATH points at the ASan build and NABLA_BACKEND=native makes a load failure fatal.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = join(root, "build", "asan");
rmSync(join(dir, "native"), { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
cpSync(join(root, "binding.gyp"), join(dir, "binding.gyp"));
cpSync(join(root, "native"), join(dir, "native"), { recursive: true });
// binding.gyp asks this script about the compiler.
cpSync(join(root, "scripts", "build-config.mjs"), join(dir, "scripts", "build-config.mjs"));

const cc = process.env.CC ?? "gcc";
const lib = spawnSync(cc, ["-print-file-name=libasan.so"], { encoding: "utf8" }).stdout.trim();
if (!lib || !existsSync(lib)) {
  console.error(`asan: ${cc} does not provide libasan.so (got '${lib}')`);
  process.exit(1);
}

const nodeGyp = createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
const build = spawnSync(process.execPath, [nodeGyp, "rebuild", "--release", "--jobs=max"], {
  cwd: dir,
  stdio: "inherit",
  env: { ...process.env, NABLA_ASAN: "1" },
});
if (build.status !== 0) {
  console.error("asan: the instrumented build failed");
  process.exit(1);
}

const testDir = join(root, "test", "backend", "native");
const files = readdirSync(testDir)
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => join(testDir, f));
const run = spawnSync(process.execPath, ["--import", "tsx", "--test", ...files], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    LD_PRELOAD: lib,
    ASAN_OPTIONS: "detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=99",
    NABLA_NATIVE_PATH: join(dir, "build", "Release", "nabla_native.node"),
    NABLA_BACKEND: "native",
  },
});
if (run.status !== 0) {
  console.error(`asan: tests failed or AddressSanitizer reported an error (exit ${run.status})`);
  process.exit(1);
}
console.log("asan: all native kernel tests passed under AddressSanitizer with no findings");
