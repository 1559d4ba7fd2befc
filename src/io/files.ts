// Atomic file writes and safetensors files on disk (Node-only; the format itself is in safetensors.ts).
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import {
  parseSafetensors,
  type RawTensor,
  type SafetensorsContents,
  type SafetensorsMetadata,
  serializeSafetensors,
} from "./safetensors.js";

/**
 * Write a file so that readers see either the old or the complete new contents, never a partial one:
 * write `path.tmp-<pid>-<rand>`, fsync it, rename it over `path`, then fsync the directory.
 * @example writeFileAtomic("runs/metrics.json", JSON.stringify(rows));
 */
export function writeFileAtomic(path: string, contents: Uint8Array | string): void {
  const bytes = typeof contents === "string" ? Buffer.from(contents, "utf8") : contents;
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
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
