#!/usr/bin/env node
// Builds the native addon at install time. A failed build is not fatal: nabla falls back to the
// reference (js) backend and says so once when it loads.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

if (process.env.NABLA_SKIP_NATIVE === "1") {
  console.log("nabla: NABLA_SKIP_NATIVE=1, not building the native addon");
  process.exit(0);
}
if (!existsSync("binding.gyp")) process.exit(0);
let nodeGyp;
try {
  nodeGyp = createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
} catch {
  console.warn(
    "nabla: node-gyp is not installed; the native backend is not built (js backend only)",
  );
  process.exit(0);
}
const args = [nodeGyp, "rebuild", "--release", ...process.argv.slice(2)];
// npm passes its nodedir setting (the installed Node's own headers) to install scripts; run by
// hand, node-gyp would try to download headers instead, so point it at the same ones.
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node.h")))
  args.push(`--nodedir=${prefix}`);
const result = spawnSync(process.execPath, args, { stdio: "inherit" });
if (result.status !== 0) {
  console.warn("nabla: the native addon failed to build; nabla will run on the js backend");
}
process.exit(0);
