// Atomic file writes and safetensors files on disk (Node-only; the format itself is in safetensors.ts).
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  parseSafetensors,
  type RawTensor,
  type SafetensorsContents,
  type SafetensorsMetadata,
  serializeSafetensors,
} from "./safetensors.js";

const TEMP_RANDOM_BYTES = 6;
// What writeFileAtomic appends to a path for its temporary file: `.tmp-<pid>-<12 hex digits>`.
const TEMP_SUFFIX = new RegExp(`\\.tmp-(\\d+)-[0-9a-f]{${2 * TEMP_RANDOM_BYTES}}$`);

/**
 * Write a file so that readers see either the old or the complete new contents, never a partial one:
 * write `path.tmp-<pid>-<rand>`, fsync it, rename it over `path`, then fsync the directory.
 * @example writeFileAtomic("runs/metrics.json", JSON.stringify(rows));
 */
export function writeFileAtomic(path: string, contents: Uint8Array | string): void {
  const bytes = typeof contents === "string" ? Buffer.from(contents, "utf8") : contents;
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(TEMP_RANDOM_BYTES).toString("hex")}`;
  let fd = openSync(tmp, "wx", 0o644);
  try {
    let written = 0;
    while (written < bytes.length) {
      written += writeSync(fd, bytes, written, Math.min(bytes.length - written, 1 << 30));
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file is already gone
    }
    throw e;
  }
  syncDirectory(dirname(path));
}

/** Make a completed rename durable; some platforms (Windows) cannot open directories, which is fine. */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // fsync on a directory is unsupported here; the rename itself is still atomic
  } finally {
    closeSync(fd);
  }
}

/**
 * Save tensors to a safetensors file atomically (Python's `safetensors.save_file`).
 * @example saveSafetensors("model.safetensors", { w: { dtype: "F32", shape: [1], data: new Float32Array([3]) } }, { format: "pt" });
 */
export function saveSafetensors(
  path: string,
  tensors: Record<string, RawTensor>,
  metadata?: SafetensorsMetadata,
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/**
 * Load a safetensors file; malformed files throw an Error whose message starts with `safetensors: <path>:`.
 * @example const { tensors, metadata } = loadSafetensors("model.safetensors");
 */
export function loadSafetensors(path: string): SafetensorsContents {
  const bytes = readFileSync(path);
  try {
    return parseSafetensors(bytes);
  } catch (e) {
    const message = (e as Error).message;
    if (message.startsWith("safetensors: ")) {
      throw new Error(`safetensors: ${path}: ${message.slice("safetensors: ".length)}`, {
        cause: e,
      });
    }
    throw e;
  }
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^\w+: /, "")}` : String(err.message ?? e);
}

/**
 * Create `dir` and its missing parents (as `mkdir -p`), one level at a time. Node's recursive
 * mkdir loops forever, at 100% CPU, where the parent exists but refuses the child with ENOENT
 * (e.g. `/proc/x`); here every failure is an error naming the directory.
 * @example makeDirectory("runs/lenet-1");
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let p = resolve(dir); ; p = dirname(p)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(p).isDirectory();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT")
        throw new Error(`cannot create directory ${dir}: ${reason(e)}`, { cause: e });
      missing.push(p);
      if (dirname(p) === p) break;
      continue;
    }
    if (!isDirectory)
      throw new Error(`cannot create directory ${dir}: ${p} exists and is not a directory`);
    break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && statSync(p).isDirectory()) continue;
      throw new Error(`cannot create directory ${dir}: ${reason(e)}`, { cause: e });
    }
  }
}

/**
 * Check that files can be created in the directory `dir`, by creating and removing an empty file
 * (permission bits alone do not tell: root ignores them, read-only mounts and /proc do not).
 * @example checkWritableDirectory("runs/lenet-1");
 */
export function checkWritableDirectory(dir: string): void {
  const probe = join(dir, `.nabla-write-test-${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    closeSync(openSync(probe, "wx", 0o644));
  } catch (e) {
    throw new Error(`directory ${dir} is not writable (${reason(e)})`, { cause: e });
  }
  unlinkSync(probe);
}

/**
 * Remove the temporary files that `writeFileAtomic` left in `dir` for the files `names` when a
 * process was killed between writing and renaming them (`<name>.tmp-<pid>-<hex>`); those of the
 * current process are kept. Returns the names of the removed files.
 * @example removeStaleTempFiles("runs/lenet-1", ["checkpoint.safetensors"]); // ["checkpoint.safetensors.tmp-4242-0a1b2c3d4e5f"]
 */
export function removeStaleTempFiles(dir: string, names: readonly string[]): string[] {
  const wanted = new Set(names);
  const removed: string[] = [];
  for (const file of readdirSync(dir)) {
    const match = TEMP_SUFFIX.exec(file);
    if (!match || Number(match[1]) === process.pid) continue;
    if (!wanted.has(file.slice(0, match.index))) continue;
    try {
      unlinkSync(join(dir, file));
      removed.push(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  return removed.sort();
}
