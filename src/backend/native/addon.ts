/**
 * Loader for the native CPU addon. node-gyp-build finds it: an addon compiled here
 * (`build/Release/`, from `native/` by node-gyp) first, else the package's prebuilt binary for
 * this platform (`prebuilds/<platform>-<arch>/`). `loadNativeAddon()` returns `null` when
 * `NABLA_BACKEND=js` or when no addon loads (after one warning that says how to get one); with
 * `NABLA_BACKEND=native` a failure throws instead. `NABLA_NATIVE_PATH` points at another build
 * (the AddressSanitizer one, or the bench's `-march=native` one).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { settings } from "../config.js";
import type { NativeAddon } from "./addon-types.js";

export type {
  AnyTypedArray,
  FloatArray,
  NativeAddon,
  NativeBinaryOp,
  NativeUnaryGradOp,
  NativeUnaryOp,
} from "./addon-types.js";

const require = createRequire(import.meta.url);

/** What a user without a working addon can do about it (the same words as the install script). */
export const NATIVE_BUILD_HINT =
  "to get it, install python3, make and a C++ compiler (GCC 8 or newer, or Clang), then run `npx nabla build-native`";

/** The advice that fits why the addon did not load. */
function hintFor(reason: string): string {
  if (process.platform === "win32") return "the native backend is not available on Windows";
  // A variant this CPU lacks, or a name the build does not have: a compiler would not help.
  if (reason.includes("NABLA_ISA")) return "unset NABLA_ISA or pick a variant this CPU supports";
  return NATIVE_BUILD_HINT;
}

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

/**
 * Where the addon is loaded from (NABLA_NATIVE_PATH overrides); throws when there is none for
 * this platform.
 */
export function nativeAddonPath(): string {
  const override = settings.nativePath;
  if (override) return resolve(override);
  const nodeGypBuild = require("node-gyp-build") as { resolve(dir: string): string };
  try {
    return nodeGypBuild.resolve(packageRoot());
  } catch {
    throw new Error(
      `no native build for ${process.platform}-${process.arch}: nothing compiled in build/Release ` +
        `and no prebuilt binary for this platform`,
    );
  }
}

/**
 * The native addon, or `null` when the js backend must be used. Loads once; later calls return
 * the same object.
 */
export function loadNativeAddon(): NativeAddon | null {
  if (cached !== undefined) return cached;
  const choice = settings.backend;
  if (choice === "js") {
    cached = null;
    return cached;
  }
  let reason: string;
  try {
    const path = nativeAddonPath();
    if (!existsSync(path)) throw new Error(`${path} not found`);
    const addon = require(path) as NativeAddon;
    if (typeof addon.sgemm !== "function") throw new Error(`${path} does not export sgemm`);
    cached = addon;
    return cached;
  } catch (e) {
    reason = e instanceof Error ? e.message.split("\n")[0] : String(e);
  }
  if (choice === "native") {
    throw new Error(
      `nabla: NABLA_BACKEND=native but the native addon cannot be loaded (${reason})`,
    );
  }
  if (!warned) {
    warned = true;
    console.warn(
      `nabla: native backend unavailable (${reason}); using the js backend, which is much ` +
        `slower; ${hintFor(reason)}`,
    );
  }
  cached = null;
  return cached;
}
