// Helpers for the CLI tests: `nabla ...` through the real command-line parser (commander), in
// this process or in a child process.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildProgram, main } from "../../src/cli/main.js";

export const repo = fileURLToPath(new URL("../..", import.meta.url));

/** What a run of the CLI printed, and its exit code. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  signal?: NodeJS.Signals | null;
}

/** `nabla ...args` in this process: parsed by the program of src/cli/main.ts, as `npx nabla`. */
export async function nabla(...args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(["node", "nabla", ...args], {
    log: (line) => (stdout += `${line}\n`),
    writeOut: (text) => (stdout += text),
    writeErr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

/** What the parser made of a command line: the command, its arguments and its options. */
export interface Parsed {
  command: string;
  args: unknown[];
  options: Record<string, unknown>;
}

const STOP = Symbol("parsed");

/**
 * Parse `nabla ...args` with the real parser and stop before the command runs; a usage error
 * rejects with commander's message.
 */
export async function parse(...args: string[]): Promise<Parsed> {
  let stderr = "";
  const program = buildProgram(() => {}, {
    exitOverride: true,
    writeOut: () => {},
    writeErr: (text) => (stderr += text),
  });
  let parsed: Parsed | undefined;
  program.hook("preAction", (_program, action) => {
    parsed = { command: action.name(), args: action.processedArgs, options: action.opts() };
    throw STOP;
  });
  try {
    await program.parseAsync(["node", "nabla", ...args]);
  } catch (e) {
    if (e !== STOP) throw new Error(stderr.trim() || (e as Error).message, { cause: e });
  }
  if (!parsed) throw new Error(`nabla ${args.join(" ")}: no command ran`);
  return parsed;
}

/**
 * `nabla ...args` in a child process (tsx on the sources), killed with SIGKILL after `timeoutMs`
 * (its `signal` tells).
 */
export function nablaChild(args: string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(repo, "src/cli/main.ts"), ...args],
      { cwd: repo, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, signal });
    });
  });
}
