#!/usr/bin/env node
// The `nabla` command: runs the compiled CLI (dist/, made by `npm run build`).
import { existsSync } from "node:fs";
import { fileURLToPath, URL } from "node:url";

const entry = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error(
    "nabla: dist/src/cli/main.js is missing; run `npm run build` first (or `npx tsx src/cli/main.ts ...`)",
  );
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
