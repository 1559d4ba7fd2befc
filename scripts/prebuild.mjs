#!/usr/bin/env node
// `npm pack` runs this (prepack): puts this platform's addon into prebuilds/<platform>-<arch>/,
// where node-gyp-build finds it in an installed package, so users need no compiler.
//
// The binary must serve every CPU of its architecture and every system of its platform, so it is
// the multi-variant build, compiled from the current sources in a clean environment (no
// NABLA_MARCH_NATIVE, and no CC/CFLAGS/... whose flags gyp would append, such as a -march). It is
// checked before it is copied: it loads and works, exports only its Node-API entry points, uses
// no instruction beyond the baseline outside its AVX2 and AVX-512 variants, and on Linux needs
// at most glibc 2.34 and no system libstdc++. --check-only verifies without copying.
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { spawnSync } from "node:child_process";
import {
  builtAddon,
  cleanBuildEnv,
  compileNative,
  exportedSymbols,
  isBuildUpToDate,
  packageRoot,
  prebuildFile,
  prebuildHash,
  prebuildStamp,
  tryLoad,
  wideInstructionsOutsideVariants,
} from "./native-build.mjs";

const GLIBC_FLOOR = [2, 34];
const ENTRY_POINTS = ["napi_register_module_v1", "node_api_module_get_api_version_v1"];

function fail(message) {
  console.error(`prebuild: ${message}`);
  process.exit(1);
}

/** The symbol versions the binary needs from glibc and libstdc++ (objdump, from binutils). */
function linuxRequirements(path) {
  const dump = spawnSync("objdump", ["-T", path], { encoding: "utf8" });
  if (dump.status !== 0) fail(`objdump -T failed on ${path}: ${dump.stderr || dump.error}`);
  const glibc = [...dump.stdout.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [+m[1], +m[2]]);
  const newest = glibc.reduce((a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a));
  const cxx = [...new Set([...dump.stdout.matchAll(/(GLIBCXX|CXXABI)_[\d.]+/g)].map((m) => m[0]))];
  return { newest, cxx };
}

const env = cleanBuildEnv();
if (!isBuildUpToDate(packageRoot, env)) {
  console.log("prebuild: compiling the native backend in a clean environment");
  const failure = compileNative({ env });
  if (failure !== null) fail(`the native backend did not compile (${failure})`);
}
const probe = tryLoad(builtAddon);
if (!probe.ok) fail(`the built addon does not work (${probe.reason})`);
// On x86-64 Linux only the multi-variant build may ship (not one compiled for this machine,
// e.g. because the compiler was not GCC).
if (process.platform === "linux" && process.arch === "x64" && probe.isa === "native")
  fail("the addon was compiled for this machine alone (is the compiler GCC?)");

const exported = exportedSymbols(builtAddon);
if (exported === null) fail("nm (binutils) is needed to check the binary");
const extra = exported.filter((s) => !ENTRY_POINTS.includes(s));
if (extra.length > 0)
  fail(
    `the addon exports ${extra.length} symbols besides its entry points: ${extra.slice(0, 5).join(", ")}`,
  );

if (process.platform === "linux" && process.arch === "x64") {
  const scan = wideInstructionsOutsideVariants(builtAddon);
  if (scan === null) fail("objdump (binutils) is needed to check the binary");
  if (scan.offenders.length > 0)
    fail(
      `code outside the AVX variants uses wider instructions: ${JSON.stringify(scan.offenders.slice(0, 5))}`,
    );
}
if (process.platform === "linux") {
  const { newest, cxx } = linuxRequirements(builtAddon);
  const tooNew =
    newest[0] > GLIBC_FLOOR[0] || (newest[0] === GLIBC_FLOOR[0] && newest[1] > GLIBC_FLOOR[1]);
  if (tooNew)
    fail(`the addon needs glibc ${newest.join(".")}; at most ${GLIBC_FLOOR.join(".")} is allowed`);
  if (cxx.length > 0) fail(`the addon needs the system's libstdc++ (${cxx.join(", ")})`);
  console.log(`prebuild: needs glibc ${newest.join(".")} or newer and no system libstdc++`);
}
if (process.argv.includes("--check-only")) process.exit(0);

const target = prebuildFile();
mkdirSync(dirname(target), { recursive: true });
const tmp = `${target}.tmp-${process.pid}`;
copyFileSync(builtAddon, tmp);
renameSync(tmp, target);
// The install script uses the binary only while the sources it was built from are the ones here.
const stampTmp = `${prebuildStamp()}.tmp-${process.pid}`;
writeFileSync(stampTmp, JSON.stringify({ hash: prebuildHash() }) + "\n");
renameSync(stampTmp, prebuildStamp());
console.log(`prebuild: ${target} (${probe.isa} on this machine)`);
