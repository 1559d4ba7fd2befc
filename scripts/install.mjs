#!/usr/bin/env node
// nabla's install script: makes sure the native backend that nabla's loader will load works here,
// compiling it only when needed. The loader (node-gyp-build) takes build/Release first, then the
// package's prebuilt binary for this platform, so:
//
// 1. build/Release built from the current sources with the current compiler settings, and
//    working: nothing to do (linking or reinstalling does not recompile for minutes).
// 2. No build/Release, and a prebuilt binary (prebuilds/, shipped in the npm package) that was
//    built from the native sources here (not a checkout whose native/ changed since), that the
//    loader picks and that works here: nothing to do. Package managers that block install
//    scripts (pnpm, newer npm) never run this file; the loader finds the same binary at run time.
// 3. Otherwise (no prebuilt binary for this platform, libc or glibc version; a stale
//    build/Release) compile with node-gyp. If that fails, nabla still works, on the prebuilt
//    binary if one works, else on the js backend, and this says which, and how to get the
//    native one.
//
// NABLA_SKIP_NATIVE=1 compiles nothing; NABLA_BUILD_FROM_SOURCE=1 or --build-from-source (also
// npm's `--build-from-source`, seen as npm_config_build_from_source) compiles even when a
// prebuilt binary fits. --strict (used by `nabla build-native`) exits with status 1 unless the
// compiled or up-to-date addon works at the end; an install must succeed anyway.
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  builtAddon,
  compileNative,
  isBuildUpToDate,
  isPrebuildCurrent,
  packageRoot,
  prebuildFile,
  resolveAddon,
  tryLoad,
} from "./native-build.mjs";

const HOW_TO =
  "install python3, make and a C++ compiler (GCC 8 or newer, or Clang), then run `npx nabla build-native`";

/** The addon the loader would load now, if it works: `{ path, isa }` or null. */
function workingAddon() {
  const path = resolveAddon();
  if (path === null) return null;
  const probe = tryLoad(path);
  return probe.ok ? { path, isa: probe.isa } : null;
}

/** Returns whether the addon this run is about (built or prebuilt) works. */
function main(argv) {
  if (process.platform === "win32") {
    console.log(
      "nabla: the native backend is not available on Windows; nabla runs on the js backend",
    );
    return false;
  }
  if (process.env.NABLA_SKIP_NATIVE === "1") {
    const addon = workingAddon();
    console.log(
      `nabla: NABLA_SKIP_NATIVE=1, nothing compiled; ` +
        (addon
          ? `the prebuilt native backend loads (${addon.isa})`
          : "nabla runs on the js backend"),
    );
    return addon !== null;
  }
  const fromSource =
    argv.includes("--build-from-source") ||
    process.env.NABLA_BUILD_FROM_SOURCE === "1" ||
    ["true", "nabla"].includes(process.env.npm_config_build_from_source ?? "");
  if (existsSync(builtAddon)) {
    if (isBuildUpToDate()) {
      const probe = tryLoad(builtAddon);
      if (probe.ok) {
        console.log(`nabla: the native backend is built and up to date (${probe.isa})`);
        return true;
      }
      console.log(
        `nabla: the built native backend does not work here (${probe.reason}); compiling`,
      );
    } else {
      console.log("nabla: build/Release was built from other sources or settings; compiling");
    }
  } else if (!fromSource && isPrebuildCurrent()) {
    const path = resolveAddon();
    const probe = path === prebuildFile() ? tryLoad(path) : null;
    if (probe?.ok) {
      console.log(`nabla: using the prebuilt native backend (${probe.isa})`);
      return true;
    }
    const why = probe ? probe.reason : "it is not for this system's C library";
    console.log(`nabla: the prebuilt native backend does not work here (${why}); compiling`);
  }
  if (!existsSync(join(packageRoot, "binding.gyp"))) {
    console.warn("nabla: binding.gyp is missing, so the native backend cannot be compiled");
    return false;
  }
  console.log("nabla: compiling the native backend (a few minutes)");
  const failure = compileNative();
  if (failure !== null) {
    // node-gyp's rebuild removed build/, so the loader now takes the prebuilt binary, if any.
    const fallback = workingAddon();
    const now = fallback
      ? `nabla keeps the prebuilt native backend (${fallback.isa})`
      : "nabla will use the js backend, which is much slower";
    console.warn(
      `nabla: the native backend did not compile (${failure}); ${now}. To compile it, ${HOW_TO}.`,
    );
    return false;
  }
  const probe = tryLoad(builtAddon);
  if (probe.ok) console.log(`nabla: built the native backend (${probe.isa})`);
  else console.warn(`nabla: the native backend was built but does not work (${probe.reason})`);
  return probe.ok;
}

const strict = process.argv.includes("--strict");
try {
  const ready = main(process.argv.slice(2));
  if (strict && !ready) process.exitCode = 1;
} catch (e) {
  if (strict) process.exitCode = 1;
  // An install never fails because of the native backend: the js one always works.
  console.warn(
    `nabla: skipped the native backend (${e instanceof Error ? e.message : e}); ` +
      `nabla will use the js backend. To get the native one, ${HOW_TO}.`,
  );
}
