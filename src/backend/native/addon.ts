/**
 * Loader for the native CPU addon (`build/Release/nabla_native.node`, built from `native/` by
 * node-gyp at install). `loadNativeAddon()` returns `null` when `NABLA_BACKEND=js` or when the
 * addon is missing or fails to load (after one warning); with `NABLA_BACKEND=native` a failure
 * throws instead. `NABLA_NATIVE_PATH` points at another build (the AddressSanitizer one).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { NativeAddon } from "./addon-types.js";

export type {
  AnyTypedArray,
  FloatArray,
  NativeAddon,
  NativeBinaryOp,
  NativeUnaryGradOp,
  NativeUnaryOp,
} from "./addon-types.js";

const ADDON_FILE = join("build", "Release", "nabla_native.node");

/** The package root: the nearest ancestor of this file holding `package.json` (src/ or dist/src/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "native"))) return dir;
    dir = resolve(dir, "..");
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

let cached: NativeAddon | null | undefined;
let warned = false;

/** Where the addon is looked for (NABLA_NATIVE_PATH overrides). */
export function nativeAddonPath(): string {
  const override = process.env.NABLA_NATIVE_PATH;
  return override ? resolve(override) : join(packageRoot(), ADDON_FILE);
}

/**
 * The native addon, or `null` when the js backend must be used. Loads once; later calls return
 * the same object.
 */
export function loadNativeAddon(): NativeAddon | null {
  if (cached !== undefined) return cached;
  const choice = (process.env.NABLA_BACKEND ?? "").trim().toLowerCase();
  if (choice === "js") {
    cached = null;
    return cached;
  }
  const path = nativeAddonPath();
  let reason: string;
  if (!existsSync(path)) {
    reason = `${path} not found; run \`npm run install\` to build it`;
  } else {
    try {
      const addon = createRequire(import.meta.url)(path) as NativeAddon;
      if (typeof addon.sgemm !== "function") throw new Error("the file does not export sgemm");
      cached = addon;
      return cached;
    } catch (e) {
      reason = e instanceof Error ? e.message : String(e);
    }
  }
  if (choice === "native") {
    throw new Error(
      `nabla: NABLA_BACKEND=native but the native addon cannot be loaded (${reason})`,
    );
  }
  if (!warned) {
    warned = true;
    console.warn(`nabla: native backend unavailable (${reason}); using the js backend`);
  }
  cached = null;
  return cached;
}
