// `nabla build-native`: compiles the native backend for this machine, for users whose install
// found no prebuilt binary that loads and whose package manager skipped the install script.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The installed package's root (the folder with package.json and scripts/install.mjs). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "scripts", "install.mjs"))) return dir;
    dir = resolve(dir, "..");
  }
  throw new Error(
    "build-native: scripts/install.mjs not found above " + fileURLToPath(import.meta.url),
  );
}

/**
 * Compile the addon with node-gyp (python3, make and a C++ compiler needed); returns the exit
 * code: 0 when a native backend loads afterwards.
 * @example process.exitCode = runBuildNative();
 */
export function runBuildNative(): number {
  const script = join(packageRoot(), "scripts", "install.mjs");
  const result = spawnSync(process.execPath, [script, "--build-from-source", "--strict"], {
    stdio: "inherit",
  });
  if (result.error) throw new Error(`build-native: ${result.error.message}`);
  return result.status ?? 1;
}
