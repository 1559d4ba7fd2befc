#!/usr/bin/env node
// nabla's install script: makes sure the native backend is there, compiling it only when needed.
//
// 1. A prebuilt binary for this platform (prebuilds/, shipped in the npm package), built from the
//    native sources here (not in a checkout whose native/ changed since), that loads here:
//    nothing to do. Package managers that block install scripts (pnpm, newer npm) never run
//    this file, and the loader finds the same binary at run time.
// 2. An addon in build/Release built from the current sources: nothing to do (so linking or
//    reinstalling does not recompile for a minute).
// 3. Otherwise compile with node-gyp. If that fails, nabla still works on the js backend, and
//    this says once how to get the native one.
//
// NABLA_SKIP_NATIVE=1 skips everything; NABLA_BUILD_FROM_SOURCE=1 or --build-from-source (also
// npm's `--build-from-source`, seen as npm_config_build_from_source) compiles even when a
// prebuilt binary fits. --strict (used by `nabla build-native`) exits with status 1 when no addon
// loads at the end, where an install must succeed anyway.
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  builtAddon,
  compileNative,
  isBuildUpToDate,
  isPrebuildCurrent,
  packageRoot,
  prebuildFile,
  tryLoad,
} from "./native-build.mjs";

const HOW_TO = "install python3, make and a C++17 compiler, then run `npx nabla build-native`";

/** Returns whether a native backend is ready. */
function main(argv) {
  if (process.env.NABLA_SKIP_NATIVE === "1") {
    console.log("nabla: NABLA_SKIP_NATIVE=1, the native backend is not built (js backend only)");
    return false;
  }
  const fromSource =
    argv.includes("--build-from-source") ||
    process.env.NABLA_BUILD_FROM_SOURCE === "1" ||
    ["true", "nabla"].includes(process.env.npm_config_build_from_source ?? "");
  if (!fromSource && isPrebuildCurrent()) {
    const probe = tryLoad(prebuildFile());
    if (probe.ok) {
      console.log(`nabla: using the prebuilt native backend (${probe.isa})`);
      return true;
    }
    console.log(
      `nabla: the prebuilt native backend does not load here (${probe.reason}); compiling`,
    );
  }
  if (!existsSync(join(packageRoot, "binding.gyp"))) {
    console.warn(`nabla: binding.gyp is missing, so the native backend cannot be compiled`);
    return false;
  }
  if (!fromSource && isBuildUpToDate()) {
    const probe = tryLoad(builtAddon);
    if (probe.ok) {
      console.log(`nabla: the native backend is built and up to date (${probe.isa})`);
      return true;
    }
  }
  console.log("nabla: compiling the native backend (about a minute)");
  const failure = compileNative();
  if (failure !== null) {
    console.warn(
      `nabla: the native backend did not compile (${failure}); nabla will use the js ` +
        `backend, which is much slower. To get the native one, ${HOW_TO}.`,
    );
    return false;
  }
  const probe = tryLoad(builtAddon);
  if (probe.ok) console.log(`nabla: built the native backend (${probe.isa})`);
  else console.warn(`nabla: the native backend was built but does not load (${probe.reason})`);
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
