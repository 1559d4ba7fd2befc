#!/usr/bin/env node
// `npm pack` runs this (prepack): puts this platform's addon into prebuilds/<platform>-<arch>/,
// where node-gyp-build finds it in an installed package, so users need no compiler.
//
// The binary must serve every CPU of its architecture, so it is the multi-variant build
// (NABLA_MARCH_NATIVE=1 is refused), compiled from the current sources if build/Release is not.
// On Linux it is checked for what makes a binary fail elsewhere: a glibc newer than 2.34 or a
// dependency on the building machine's libstdc++. --check-only verifies without copying.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  builtAddon,
  compileNative,
  isBuildUpToDate,
  prebuildFile,
  prebuildStamp,
  sourceHash,
  tryLoad,
} from "./native-build.mjs";

const GLIBC_FLOOR = [2, 34];

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

if (process.env.NABLA_MARCH_NATIVE === "1")
  fail("NABLA_MARCH_NATIVE=1 builds for this machine only; a prebuilt binary must not use it");
if (!isBuildUpToDate()) {
  console.log("prebuild: compiling the native backend");
  const failure = compileNative();
  if (failure !== null) fail(`the native backend did not compile (${failure})`);
}
const probe = tryLoad(builtAddon);
if (!probe.ok) fail(`the built addon does not load (${probe.reason})`);
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
writeFileSync(stampTmp, JSON.stringify({ hash: sourceHash() }) + "\n");
renameSync(stampTmp, prebuildStamp());
console.log(`prebuild: ${target} (${probe.isa} on this machine)`);
