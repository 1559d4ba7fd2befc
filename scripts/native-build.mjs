// What the install script, the prebuild script and `nabla build-native` share: where the native
// addon lives, whether a build is up to date, compiling it with node-gyp, and checking that a
// binary loads. Plain ESM with no dependency but node-gyp, because it runs at install time.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

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

/**
 * True when this platform's prebuilt binary was built from the sources and switches here: always
 * in an installed package, and not in a checkout whose native/ changed since `npm pack`.
 */
export function isPrebuildCurrent() {
  if (!existsSync(prebuildFile()) || !existsSync(prebuildStamp())) return false;
  try {
    return JSON.parse(readFileSync(prebuildStamp(), "utf8")).hash === sourceHash();
  } catch {
    return false;
  }
}

/**
 * A hash of everything a build in `dir` depends on: binding.gyp, the native sources, the platform
 * and the build switches in `env`. A build whose stamp holds the same hash is up to date.
 */
export function sourceHash(dir = packageRoot, env = process.env) {
  const hash = createHash("sha256");
  hash.update(`${process.platform}-${process.arch}\n`);
  hash.update(`march-native=${env.NABLA_MARCH_NATIVE === "1"} asan=${env.NABLA_ASAN === "1"}\n`);
  hash.update(readFileSync(join(dir, "binding.gyp")));
  const nativeDir = join(dir, "native");
  for (const name of readdirSync(nativeDir).sort()) {
    if (!/\.(cc|c|h)$/.test(name)) continue;
    hash.update(`\n${name}\n`);
    hash.update(readFileSync(join(nativeDir, name)));
  }
  return hash.digest("hex");
}

/** True when `dir`/build/Release holds an addon built from exactly the current sources and switches. */
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
  let nodeGyp;
  try {
    nodeGyp = createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
  } catch {
    return "node-gyp is not installed";
  }
  const args = [nodeGyp, "rebuild", "--release", "--jobs=max"];
  // npm passes its nodedir setting (the installed Node's own headers) to install scripts; run by
  // hand, node-gyp would try to download headers instead, so point it at the same ones.
  const prefix = dirname(dirname(process.execPath));
  if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node.h")))
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
    return `node-gyp exited with status ${result.status}${tail}`;
  }
  const stamp = stampFileIn(dir);
  const tmp = `${stamp}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ hash: sourceHash(dir, env), node: process.version }) + "\n");
  renameSync(tmp, stamp);
  return null;
}

function lastLines(text, n) {
  return text.trim().split("\n").slice(-n).join(" | ");
}

/**
 * Loads an addon in a child process (a binary for the wrong libc or CPU must not crash the
 * caller). Returns `{ ok: true, isa }` or `{ ok: false, reason }`.
 */
export function tryLoad(path) {
  const probe =
    "const a = require(process.argv[1]);" +
    "if (typeof a.sgemm !== 'function') throw new Error('the file does not export sgemm');" +
    "process.stdout.write(String(a.isa ?? a.simdLevel()));";
  const result = spawnSync(process.execPath, ["-e", probe, path], {
    encoding: "utf8",
    env: { ...process.env, NABLA_ISA: "" },
  });
  if (result.status === 0) return { ok: true, isa: result.stdout.trim() };
  const message = (result.stderr || "").split("\n").find((l) => /Error/.test(l)) ?? "";
  return { ok: false, reason: message.trim() || `exit status ${result.status}` };
}
