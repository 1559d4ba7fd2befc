// What the install script, the prebuild script and `nabla build-native` share: where the native
// addon lives, which file the loader would load, whether a build is up to date, compiling it with
// node-gyp, and checking that a binary loads and works. Plain ESM with no dependency but
// node-gyp and node-gyp-build, because it runs at install time.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/** The package's root folder (this file is in scripts/). */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The addon node-gyp builds in `dir` (a folder with binding.gyp and native/). */
export function builtAddonIn(dir) {
  return join(dir, "build", "Release", "nabla_native.node");
}

/** The package's own addon. */
export const builtAddon = builtAddonIn(packageRoot);

const stampFileIn = (dir) => join(dir, "build", "nabla-build-stamp.json");

/** `prebuilds/<platform>-<arch>/`, where node-gyp-build looks for a shipped binary. */
export function prebuildDir(platform = process.platform, arch = process.arch) {
  return join(packageRoot, "prebuilds", `${platform}-${arch}`);
}

/**
 * The shipped binary's file name: node-gyp-build reads the tags (Node-API, so any Node version;
 * glibc, so a musl system such as Alpine compiles instead of loading a binary it cannot run).
 */
export function prebuildFile(platform = process.platform, arch = process.arch) {
  const libc = platform === "linux" ? ".glibc" : "";
  return join(prebuildDir(platform, arch), `nabla.napi${libc}.node`);
}

/** The record of the sources a prebuilt binary was built from, beside it. */
export function prebuildStamp(platform = process.platform, arch = process.arch) {
  return join(prebuildDir(platform, arch), "nabla-build-stamp.json");
}

/** The file nabla's loader (node-gyp-build) would load: build/Release first, then prebuilds/. */
export function resolveAddon() {
  try {
    return require("node-gyp-build").resolve(packageRoot);
  } catch {
    return null;
  }
}

// Environment variables that change what node-gyp compiles (gyp's Makefile appends the *FLAGS).
const BUILD_ENV = ["CC", "CXX", "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS"];

/** `env` without the variables that would change a prebuilt binary's code. */
export function cleanBuildEnv(env = process.env) {
  const clean = { ...env };
  for (const name of [...BUILD_ENV, "NABLA_MARCH_NATIVE", "NABLA_ASAN"]) delete clean[name];
  return clean;
}

/**
 * A hash of what a build in `dir` is made from: binding.gyp, the native sources, the platform and
 * nabla's build switches in `env`, and with `withToolchain` the compiler and flags in `env` and
 * the Node ABI whose headers it compiles against. A build whose stamp holds the same hash is up to
 * date. A prebuilt binary's stamp leaves the toolchain out: it was built in a clean environment,
 * a user's CFLAGS do not make it stale, and test:package runs it on every Node major `engines`
 * allows.
 */
export function sourceHash(dir = packageRoot, env = process.env, { withToolchain = true } = {}) {
  const hash = createHash("sha256");
  hash.update(`${process.platform}-${process.arch}\n`);
  hash.update(`march-native=${env.NABLA_MARCH_NATIVE === "1"} asan=${env.NABLA_ASAN === "1"}\n`);
  if (withToolchain) {
    for (const name of BUILD_ENV) hash.update(`${name}=${env[name] ?? ""}\n`);
    hash.update(`node-abi=${process.versions.modules}\n`);
  }
  hash.update(readFileSync(join(dir, "binding.gyp")));
  const nativeDir = join(dir, "native");
  for (const name of readdirSync(nativeDir).sort()) {
    if (!/\.(cc|c|h)$/.test(name)) continue;
    hash.update(`\n${name}\n`);
    hash.update(readFileSync(join(nativeDir, name)));
  }
  return hash.digest("hex");
}

/** The hash a current prebuilt binary of these sources carries in its stamp. */
export function prebuildHash() {
  return sourceHash(packageRoot, {}, { withToolchain: false });
}

/**
 * True when this platform's prebuilt binary was built from the sources here: always in an
 * installed package, and not in a checkout whose native/ changed since `npm pack`.
 */
export function isPrebuildCurrent() {
  if (!existsSync(prebuildFile()) || !existsSync(prebuildStamp())) return false;
  try {
    return JSON.parse(readFileSync(prebuildStamp(), "utf8")).hash === prebuildHash();
  } catch {
    return false;
  }
}

/** True when `dir`/build/Release holds an addon built from exactly these sources, switches and toolchain. */
export function isBuildUpToDate(dir = packageRoot, env = process.env) {
  if (!existsSync(builtAddonIn(dir)) || !existsSync(stampFileIn(dir))) return false;
  try {
    return JSON.parse(readFileSync(stampFileIn(dir), "utf8")).hash === sourceHash(dir, env);
  } catch {
    return false;
  }
}

/**
 * Compiles the addon with node-gyp into `dir`/build/Release and stamps it. Returns null on
 * success, or why it failed (node-gyp's own output has gone to the terminal unless `quiet`).
 */
export function compileNative({ quiet = false, dir = packageRoot, env = process.env } = {}) {
  if (process.platform === "win32")
    return "the native backend does not build on Windows (it needs GCC or Clang and POSIX)";
  let nodeGyp;
  try {
    nodeGyp = require.resolve("node-gyp/bin/node-gyp.js");
  } catch {
    return "node-gyp is not installed";
  }
  // Hashed before the build: what the build is made from, even if the sources change meanwhile.
  const hash = sourceHash(dir, env);
  const args = [nodeGyp, "rebuild", "--release", "--jobs=max"];
  // npm passes its nodedir setting (the installed Node's own headers) to install scripts; run by
  // hand, node-gyp would try to download headers instead, so point it at the same ones.
  const prefix = dirname(dirname(process.execPath));
  if (!env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node.h")))
    args.push(`--nodedir=${prefix}`);
  const result = spawnSync(process.execPath, args, {
    cwd: dir,
    env,
    stdio: quiet ? "pipe" : "inherit",
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (result.error) return result.error.message;
  if (result.status !== 0) {
    const tail = quiet ? `: ${lastLines(`${result.stdout}\n${result.stderr}`, 5)}` : "";
    return `node-gyp exited with status ${result.status ?? result.signal}${tail}`;
  }
  const stamp = stampFileIn(dir);
  const tmp = `${stamp}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ hash, node: process.version }) + "\n");
  renameSync(tmp, stamp);
  return null;
}

function lastLines(text, n) {
  return text.trim().split("\n").slice(-n).join(" | ");
}

/**
 * Loads an addon in a child process and uses it: a tensor buffer from its memory pool (V8's API)
 * and a small GEMM. Every symbol is bound at load (LD_BIND_NOW), so a binary that needs a symbol
 * this Node lacks fails here, not at the first tensor. A binary for the wrong libc or CPU cannot
 * crash the caller. Returns `{ ok: true, isa }` or `{ ok: false, reason }`.
 */
export function tryLoad(path) {
  const probe = `
    const a = require(process.argv[1]);
    if (typeof a.sgemm !== "function") throw new Error("the file does not export sgemm");
    const buf = new Float32Array(a.allocBuffer(4096, true));
    if (buf.length !== 1024 || buf[0] !== 0) throw new Error("allocBuffer returned a bad buffer");
    const A = Float32Array.of(1, 2, 3, 4), C = new Float32Array(4);
    a.sgemm(false, false, 2, 2, 2, 1, A, 0, 2, A, 0, 2, 0, C, 0, 2);
    if (C.join() !== "7,10,15,22") throw new Error("a 2x2 sgemm gave " + C.join());
    process.stdout.write(String(a.isa ?? a.simdLevel()));`;
  const env = { ...process.env, LD_BIND_NOW: "1" };
  delete env.NABLA_ISA;
  const result = spawnSync(process.execPath, ["-e", probe, path], { encoding: "utf8", env });
  if (result.status === 0) return { ok: true, isa: result.stdout.trim() };
  const message = (result.stderr || "").split("\n").find((l) => /Error|error/.test(l)) ?? "";
  const how = result.signal ? `killed by ${result.signal}` : `exit status ${result.status}`;
  return { ok: false, reason: message.trim() || how };
}

// VEX/EVEX encodings (ymm, zmm and mask registers, or the AVX 'v' prefix), and the instructions
// of the extensions the AVX2 variant enables that have neither: BMI1/2, LZCNT, MOVBE, POPCNT, and
// SSE3 to SSE4.2, all beyond the baseline x86-64 (SSE2).
const WIDER_THAN_BASELINE = new RegExp(
  [
    "%[yz]mm\\d",
    "%k[0-7]\\b",
    "^v(?!err|erw)[a-z]",
    "^(andn|bextr|blsi|blsmsk|blsr|bzhi|mulx|pdep|pext|rorx|sarx|shlx|shrx|lzcnt|tzcnt|movbe|popcnt)\\b",
    "^(addsub|hadd|hsub)p[sd]\\b|^mov(ddup|shdup|sldup)\\b|^lddqu\\b|^fisttp",
    "^(pshufb|palignr|phadd|phsub|pabs|pmaddubsw|pmulhrsw|psign)",
    "^(pblendw|blendv?p[sd]|pblendvb|dpp[sd]|insertps|extractps|pextr[bdq]|pinsr[bdq]|pmaxs[bd]|pmins[bd]|pmaxu[wd]|pminu[wd]|pmov[sz]x|round[ps][sd]|ptest|packusdw|pmulld|pmuldq|pcmpeqq|mpsadbw|phminposuw|movntdqa)\\b",
    "^(pcmpgtq|crc32|pcmp[ei]str[im])\\b",
  ].join("|"),
);

/**
 * The functions of a multi-variant addon, outside its AVX2 and AVX-512 variants, that use an
 * instruction beyond the baseline x86-64 (objdump from binutils). Returns null when objdump is
 * missing, else `{ checked, offenders: [function, instruction][] }`.
 */
export function wideInstructionsOutsideVariants(path) {
  const dump = spawnSync("objdump", ["-d", "-C", "--no-show-raw-insn", path], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (dump.error || dump.status !== 0) return null;
  const offenders = new Map();
  let fn = "";
  let inVariant = false;
  let checked = 0;
  for (const line of dump.stdout.split("\n")) {
    const head = /^[0-9a-f]+ <(.*)>:$/.exec(line);
    if (head) {
      fn = head[1];
      inVariant = fn.includes("nabla_avx2::") || fn.includes("nabla_avx512::");
      if (!inVariant) checked++;
      continue;
    }
    if (inVariant || offenders.has(fn)) continue;
    const insn = (line.split("\t")[1] ?? "").trim();
    if (WIDER_THAN_BASELINE.test(insn)) offenders.set(fn, insn);
  }
  return { checked, offenders: [...offenders] };
}

/** The dynamic symbols a binary exports (nm from binutils), or null when nm is missing. */
export function exportedSymbols(path) {
  const nm = spawnSync("nm", ["-D", "--defined-only", path], { encoding: "utf8" });
  if (nm.error || nm.status !== 0) return null;
  return nm.stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 3 && /^[A-Z]$/.test(f[1]) && f[1] !== "U")
    .map((f) => f[2]);
}
