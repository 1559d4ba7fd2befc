// Directories and temporary files of atomic writes: makeDirectory, checkWritableDirectory,
// removeStaleTempFiles (and the temporary names writeFileAtomic uses).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  checkWritableDirectory,
  makeDirectory,
  removeStaleTempFiles,
  writeFileAtomic,
} from "../../src/io/files.js";

const dir = mkdtempSync(join(tmpdir(), "nabla-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("makeDirectory creates missing parents, accepts an existing directory, and names what failed", () => {
  const nested = join(dir, "a", "b", "c");
  makeDirectory(nested);
  assert.ok(statSync(nested).isDirectory());
  makeDirectory(nested);
  makeDirectory(dir);
  const file = join(dir, "file");
  writeFileSync(file, "x");
  assert.throws(
    () => makeDirectory(file),
    /^Error: cannot create directory .*file: .*file exists and is not a directory$/,
  );
  assert.throws(
    () => makeDirectory(join(file, "sub")),
    /cannot create directory .*file\/sub: ENOTDIR/,
  );
  // Node's own recursive mkdir loops forever here (the parent exists, the child is ENOENT).
  if (existsSync("/proc/self"))
    assert.throws(
      () => makeDirectory("/proc/x/y"),
      /^Error: cannot create directory \/proc\/x\/y: ENOENT/,
    );
});

test("checkWritableDirectory leaves nothing behind, and names the directory it cannot write", () => {
  const d = join(dir, "writable");
  makeDirectory(d);
  checkWritableDirectory(d);
  assert.deepEqual(readdirSync(d), []);
  assert.throws(
    () => checkWritableDirectory(join(dir, "missing")),
    /directory .*missing is not writable \(ENOENT: /,
  );
});

test("removeStaleTempFiles removes other processes' temporaries of the named files only", () => {
  const d = join(dir, "temps");
  makeDirectory(d);
  const stale = ["a.bin.tmp-999999-00112233aabb", "b.json.tmp-1-ffffffffffff"];
  const others = [
    `a.bin.tmp-${process.pid}-00112233aabb`, // this process's own, maybe being written
    "c.txt.tmp-999999-00112233aabb", // not a file of the list
    "a.bin.tmp-999999-xyz", // not writeFileAtomic's name
    "a.bin",
  ];
  for (const f of [...stale, ...others]) writeFileSync(join(d, f), "x");
  assert.deepEqual(removeStaleTempFiles(d, ["a.bin", "b.json"]), stale);
  assert.deepEqual(readdirSync(d).sort(), [...others].sort());
  assert.deepEqual(removeStaleTempFiles(d, ["a.bin", "b.json"]), []);
  // A completed atomic write leaves no temporary behind.
  writeFileAtomic(join(d, "b.json"), "{}");
  assert.deepEqual(
    readdirSync(d).filter((f) => f.startsWith("b.json")),
    ["b.json"],
  );
});
