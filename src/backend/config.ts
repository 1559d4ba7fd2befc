// The settings that nabla's engine takes from environment variables (NABLA_*). This is the one
// module of the core (tensor, backend, autograd, ops, nn, optim) that reads the environment, so
// that the core also runs where there is none: it looks for a `process` global instead of
// importing anything from Node, and in a browser every setting keeps its default. Settings that
// the C++ addon reads itself (NABLA_NUM_THREADS, NABLA_ISA, NABLA_POOL_LIMIT_MB) are not here.

/** The engine's settings. Example: `settings.backend` is `"js"` when run with `NABLA_BACKEND=js`. */
export interface Settings {
  /** NABLA_BACKEND: `"js"` or `"native"` forces a backend; unset: native when the addon loads. */
  readonly backend: "js" | "native" | undefined;
  /** NABLA_DEBUG_UNINIT=1: outputs that a kernel must fill start as NaN (ints: 0x5a), to catch gaps. */
  readonly debugUninit: boolean;
  /** NABLA_POOL=0: the native backend allocates every array from V8 instead of its memory pool. */
  readonly pool: boolean;
  /** NABLA_GC_BALLAST_MB: the native backend's V8 heap ballast in MiB (default 8, 0 for none). */
  readonly gcBallastMiB: number;
  /** NABLA_NATIVE_PATH: another build of the native addon to load (ASan, `-march=native`). */
  readonly nativePath: string | undefined;
}

/** Environment variables by name, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The host's environment variables: `process.env` where a `process` global exists (Node), else
 * none. Example: `hostEnvironment().NABLA_BACKEND`.
 */
export function hostEnvironment(): Environment {
  const host = globalThis as { process?: { env?: Environment } };
  return host.process?.env ?? {};
}

/** The value of `name`, or undefined when it is unset or empty (as `VAR= cmd` leaves it). */
function valueOf(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function invalid(name: string, expected: string, value: string): Error {
  return new Error(`nabla: ${name} must be ${expected}, got ${JSON.stringify(value)}`);
}

function flag(env: Environment, name: string, unset: boolean): boolean {
  const value = valueOf(env, name);
  if (value === undefined) return unset;
  if (value === "0" || value === "1") return value === "1";
  throw invalid(name, "0 or 1", value);
}

function backendChoice(env: Environment): "js" | "native" | undefined {
  const value = valueOf(env, "NABLA_BACKEND");
  if (value === undefined) return undefined;
  const choice = value.toLowerCase();
  if (choice === "js" || choice === "native") return choice;
  throw invalid("NABLA_BACKEND", '"js" or "native" (or unset)', value);
}

function mebibytes(env: Environment, name: string, unset: number): number {
  const value = valueOf(env, name);
  if (value === undefined) return unset;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw invalid(name, "a number of MiB, 0 or more", value);
  return n;
}

/**
 * Reads the settings from `env` (by default the host's); throws an error naming the variable and
 * its value when one cannot be used. Example: `readSettings({ NABLA_BACKEND: "js" }).backend`.
 */
export function readSettings(env: Environment = hostEnvironment()): Settings {
  return {
    backend: backendChoice(env),
    debugUninit: flag(env, "NABLA_DEBUG_UNINIT", false),
    pool: flag(env, "NABLA_POOL", true),
    gcBallastMiB: mebibytes(env, "NABLA_GC_BALLAST_MB", 8),
    nativePath: valueOf(env, "NABLA_NATIVE_PATH"),
  };
}

/** This process's settings, read once when nabla loads. Example: `settings.debugUninit`. */
export const settings: Settings = readSettings();
