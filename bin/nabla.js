#!/usr/bin/env node
// The `nabla` command: runs the compiled CLI (dist/, made by `npm run build`).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, URL } from "node:url";

// `nabla build-native` compiles the addon without loading the library first: loading it would
// warn that the native backend is missing, which is why the user is here.
if (process.argv[2] === "build-native" && process.argv.length === 3) {
  const script = fileURLToPath(new URL("../scripts/install.mjs", import.meta.url));
  const r = spawnSync(process.execPath, [script, "--build-from-source", "--strict"], {
    stdio: "inherit",
  });
  if (r.status !== 0)
    console.error("nabla: build-native: the native backend was not built (see above)");
  process.exit(r.status ?? 1);
}

const entry = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error(
    "nabla: dist/src/cli/main.js is missing; run `npm run build` first (or `npx tsx src/cli/main.ts ...`)",
  );
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
