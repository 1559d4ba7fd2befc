// The PyTorch workers of `npm run bench`: bench/torch_worker.py run by Debian's python3 (the one
// with torch, found through dpkg because another python3 comes first on PATH), one JSON line per
// request. Two workers run side by side: "as-is" inherits the environment; "fast" runs in the
// configuration the issue found fastest (OpenBLAS openmp build, AVX-512 kernels, glibc malloc that
// keeps freed pages, one OpenMP thread per core).
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** A worker's answer: `value` in the row's unit, or `error`; extra fields as the worker adds. */
export interface TorchAnswer {
  value?: number;
  error?: string;
  faults?: number;
  [key: string]: unknown;
}

/** What each torch worker reported, or why there is none. */
export interface TorchStatus {
  label: string;
  env: string;
  info: TorchAnswer | null;
  why?: string;
}

/** The environment variables that make glibc malloc keep freed memory (no page faults on reuse). */
export const KEEP_PAGES_ENV = {
  MALLOC_MMAP_THRESHOLD_: "268435456",
  MALLOC_TRIM_THRESHOLD_: "1073741824",
};

const WORKER = join(dirname(fileURLToPath(import.meta.url)), "..", "torch_worker.py");

/** Lines `dpkg -L pkg` prints, or [] when dpkg or the package is missing. */
function dpkgFiles(pkg: string): string[] {
  try {
    return execFileSync("dpkg", ["-L", pkg], { encoding: "utf8", stdio: "pipe" }).split("\n");
  } catch {
    return [];
  }
}

/** Debian's python3 (where python3-torch lives), else whatever `python3` is on PATH. */
export function findTorchPython(): string {
  return dpkgFiles("python3-minimal").find((l) => l.endsWith("bin/python3")) ?? "python3";
}

/** The folder of the OpenMP build of OpenBLAS (Debian's libopenblas0-openmp), if installed. */
export function findOpenblasOpenmp(): string | null {
  const dir = dpkgFiles("libopenblas0-openmp").find((l) => /\/openblas-openmp$/.test(l));
  return dir && existsSync(dir) ? dir : null;
}

/** The "fast" worker's environment: the issue's fastest PyTorch configuration. */
export function fastTorchEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...KEEP_PAGES_ENV };
  delete env.OPENBLAS_CORETYPE; // forces Haswell (AVX2) kernels on an AVX-512 machine
  delete env.OPENBLAS_L2_SIZE;
  const openmp = findOpenblasOpenmp();
  if (openmp) env.LD_LIBRARY_PATH = [openmp, base.LD_LIBRARY_PATH].filter(Boolean).join(":");
  env.OMP_NUM_THREADS = String(availableParallelism());
  return env;
}

/** One running torch_worker.py. Example: `await (await TorchWorker.start("fast", env)).ask({ kind: "info", threads: 2 })`. */
export class TorchWorker {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: ((line: string) => void)[] = [];
  #stderr = "";
  #exited: string | null = null;

  private constructor(
    readonly label: string,
    python: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.#child = spawn(python, ["-u", WORKER], { env, stdio: "pipe" });
    this.#child.stderr.on("data", (d: Buffer) => (this.#stderr = (this.#stderr + d).slice(-2000)));
    this.#child.on("error", (e) => this.#fail(e.message));
    this.#child.on("exit", (code, signal) => this.#fail(`exited (${signal ?? code})`));
    createInterface({ input: this.#child.stdout }).on("line", (line) => {
      this.#waiting.shift()?.(line);
    });
  }

  #fail(why: string): void {
    this.#exited ??= `${why}${this.#stderr ? `: ${this.#stderr.trim().split("\n").pop()}` : ""}`;
    const err = JSON.stringify({ error: `torch worker ${this.#exited}` });
    for (const resolve of this.#waiting.splice(0)) resolve(err);
  }

  /** Starts a worker and waits for its ready line; throws with the reason when torch is missing. */
  static async start(label: string, python: string, env: NodeJS.ProcessEnv): Promise<TorchWorker> {
    const w = new TorchWorker(label, python, env);
    const ready = JSON.parse(await w.#nextLine()) as TorchAnswer;
    if (ready.error !== undefined) throw new Error(ready.error);
    return w;
  }

  #nextLine(): Promise<string> {
    if (this.#exited !== null)
      return Promise.resolve(JSON.stringify({ error: `torch worker ${this.#exited}` }));
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Sends one request and waits for its answer. */
  async ask(request: Record<string, unknown>): Promise<TorchAnswer> {
    const answer = this.#nextLine();
    if (this.#exited === null) this.#child.stdin.write(`${JSON.stringify(request)}\n`);
    return JSON.parse(await answer) as TorchAnswer;
  }

  /** The worker's process id (its CPU time is the bench's own, not interference). */
  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** Ends the worker (closing stdin ends its read loop). */
  close(): void {
    this.#child.stdin.end();
  }
}

/**
 * Starts the "as-is" and "fast" workers and asks each for its thread count and BLAS; a worker that
 * cannot start is null, with the reason in its status.
 */
export async function startTorchWorkers(
  enabled: boolean,
): Promise<{ workers: (TorchWorker | null)[]; status: TorchStatus[] }> {
  const python = findTorchPython();
  const configs = [
    { label: "as-is", env: process.env, describe: "inherited" },
    {
      label: "fast",
      env: fastTorchEnv(process.env),
      describe:
        "OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset, LD_LIBRARY_PATH = the openblas-openmp folder, MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ set, OMP_NUM_THREADS = cores",
    },
  ];
  const workers: (TorchWorker | null)[] = [];
  const status: TorchStatus[] = [];
  for (const c of configs) {
    const base = { label: c.label, env: c.describe, info: null };
    if (!enabled) {
      workers.push(null);
      status.push({ ...base, why: "--no-torch" });
      continue;
    }
    try {
      const w = await TorchWorker.start(c.label, python, c.env);
      workers.push(w);
      status.push({
        ...base,
        info: await w.ask({ kind: "info", threads: availableParallelism() }),
      });
    } catch (e) {
      workers.push(null);
      status.push({ ...base, why: (e as Error).message });
    }
  }
  return { workers, status };
}
