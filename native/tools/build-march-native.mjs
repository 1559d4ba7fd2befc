#!/usr/bin/env node
// Builds the addon as it was built before prebuilt binaries: one variant compiled with
// -march=native for this machine (NABLA_MARCH_NATIVE=1), in build/march-native/ (a copy of
// binding.gyp and native/), unless that build is up to date. Prints the addon's path on the last
// line of stdout. `npm run bench -- --only prebuilt` compares it with the multi-variant binary.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  builtAddonIn,
  compileNative,
  isBuildUpToDate,
  packageRoot,
} from "../../scripts/native-build.mjs";

const dir = join(packageRoot, "build", "march-native");
const env = { ...process.env, NABLA_MARCH_NATIVE: "1" };
rmSync(join(dir, "native"), { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
cpSync(join(packageRoot, "binding.gyp"), join(dir, "binding.gyp"));
cpSync(join(packageRoot, "native"), join(dir, "native"), { recursive: true });
// binding.gyp asks this script about the compiler.
cpSync(join(packageRoot, "scripts", "build-config.mjs"), join(dir, "scripts", "build-config.mjs"));
if (!isBuildUpToDate(dir, env)) {
  console.error("build-march-native: compiling the -march=native addon");
  const failure = compileNative({ dir, env, quiet: true });
  if (failure !== null) {
    console.error(`build-march-native: ${failure}`);
    process.exit(1);
  }
}
console.log(builtAddonIn(dir));
