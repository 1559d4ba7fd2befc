// Every ```ts block of README.md and docs/ is a program that must type-check under the repo's
// strict tsconfig and run: each is written to its own file (its "nabla" import pointed at src/),
// all are type-checked by one tsc run, and each runs in a fresh working directory, with the files
// its `<!-- snippet: fixtures=... -->` comment asks for, printing what its
// `console.log(...); // expected` comments say. The conventions are in docs/ARCHITECTURE.md
// ("Documentation snippets") and test/docs/markdown-snippets.ts.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  documentationSnippets,
  extractSnippets,
  rewriteImports,
  type Snippet,
} from "./markdown-snippets.js";
import { FIXTURES } from "./snippet-fixtures.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Markdown files whose blocks are not checked yet, with the reason. Keep it empty: an entry is a
 * promise to fix that file's snippets.
 */
const SKIPPED_FILES: Record<string, string> = {};

/** A block that runs longer than this is stopped and reported (a hang, not a speed check). */
const RUN_TIMEOUT_MS = 120_000;

const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const TSX = import.meta.resolve("tsx");

const snippets = documentationSnippets(ROOT);

// Blocks that must fail, each in its own way: they show that the checks below can fail.
const SELF_CHECK_MD = [
  "```ts", // line 1
  'const n: number = "one";',
  "console.log(n);",
  "```",
  "",
  "```ts", // line 6
  'console.log("before");',
  'throw new Error("snippet failed on purpose");',
  "```",
  "",
  "```ts", // line 11
  "console.log(1 + 1); // 2",
  'console.log("a" + "b"); // ba',
  "```",
].join("\n");
const [typeErrorBlock, throwingBlock, wrongOutputBlock] = extractSnippets(
  "test/docs/self-check.md",
  SELF_CHECK_MD,
);

// Concurrent runs of the suite each get their own folder (gitignored) inside the repo, where
// node_modules and the tsconfig resolve as they do for the sources.
const snippetRoot = join(ROOT, "test/docs/.snippets");
mkdirSync(snippetRoot, { recursive: true });
const outDir = mkdtempSync(join(snippetRoot, "run-"));
after(() => rmSync(outDir, { recursive: true, force: true }));

const scriptOf = new Map<Snippet, string>();
const checked = snippets.filter((s) => SKIPPED_FILES[s.file] === undefined);
for (const s of [...checked, typeErrorBlock, throwingBlock, wrongOutputBlock]) {
  const path = join(outDir, `${s.file.replace(/[^A-Za-z0-9]+/g, "_")}_L${s.line}.ts`);
  // `export {}` makes a block without imports a module (its own scope, top-level await).
  writeFileSync(path, `${rewriteImports(s, ROOT, outDir)}\nexport {};\n`);
  scriptOf.set(s, path);
}
writeFileSync(
  join(outDir, "tsconfig.json"),
  JSON.stringify({
    extends: join(ROOT, "tsconfig.json"),
    compilerOptions: { noEmit: true },
    include: ["*.ts"],
  }),
);

interface Finished {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function runProcess(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<Finished> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { ...options, timeout: RUN_TIMEOUT_MS });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", fail);
    child.on("close", (status, signal) => done({ status, signal, stdout, stderr }));
  });
}

/** The markdown position of line `n` (1-based) of a block's file. */
const mdLine = (s: Snippet, n: number) => `${s.file}:${s.line + n}`;

// One tsc run for every block; its diagnostics grouped by block, in markdown positions.
const typeCheck = (async () => {
  const tsc = await runProcess([TSC, "-p", join(outDir, "tsconfig.json"), "--pretty", "false"], {
    cwd: ROOT,
  });
  const bySnippet = new Map<Snippet, string[]>();
  const elsewhere: string[] = [];
  const snippetOfPath = new Map([...scriptOf].map(([s, path]) => [path, s]));
  let last: string[] = elsewhere;
  for (const line of tsc.stdout.split("\n")) {
    const m = /^(.+?)\((\d+),(\d+)\): (error .*)$/.exec(line);
    if (m === null) {
      if (line.trim() !== "") last.push(line); // a continuation of the previous message
      continue;
    }
    const s = snippetOfPath.get(resolve(ROOT, m[1]));
    if (s === undefined) {
      last = elsewhere;
      elsewhere.push(line);
    } else {
      last = bySnippet.get(s) ?? [];
      bySnippet.set(s, last);
      last.push(`${mdLine(s, Number(m[2]))}:${m[3]}: ${m[4]}`);
    }
  }
  if (tsc.status !== 0 && bySnippet.size === 0 && elsewhere.length === 0) {
    elsewhere.push(`tsc exited with ${tsc.status ?? tsc.signal}: ${tsc.stdout}${tsc.stderr}`);
  }
  return { bySnippet, elsewhere };
})();
// Each block's test awaits it; without a listener now, a failure would be unhandled until then.
typeCheck.catch(() => {});

/** Runs a block in a fresh working directory; returns what went wrong, in markdown positions. */
async function runSnippet(s: Snippet): Promise<string[]> {
  const cwd = mkdtempSync(join(tmpdir(), "nabla-snippet-"));
  try {
    const problems: string[] = [];
    for (const name of s.fixtures) {
      const make = FIXTURES[name];
      if (make === undefined) {
        problems.push(
          `${s.file}:${s.line}: unknown fixture "${name}" (known: ${Object.keys(FIXTURES).join(", ")})`,
        );
      } else make(cwd);
    }
    if (problems.length > 0) return problems;
    const script = scriptOf.get(s)!;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TSX_TSCONFIG_PATH: join(ROOT, "tsconfig.json"),
    };
    delete env.NODE_TEST_CONTEXT; // the block is a program, not a test file reporting to this runner
    const run = await runProcess(["--import", TSX, script], { cwd, env });
    // Stack traces name the generated file: point them at the markdown instead.
    const at = (text: string) =>
      text
        .split(script)
        .join(s.file)
        .replace(new RegExp(`${escapeRegExp(s.file)}:(\\d+)`, "g"), (_, n) => mdLine(s, Number(n)));
    if (run.status !== 0) {
      const why =
        run.signal !== null
          ? `was stopped by ${run.signal} (timeout ${RUN_TIMEOUT_MS / 1000} s?)`
          : `exited with code ${run.status}`;
      problems.push(`${s.file}:${s.line}: the block ${why}:\n${at(run.stderr).trim()}`);
    }
    let from = 0;
    for (const { line, text } of s.expected) {
      const found = run.stdout.indexOf(text, from);
      if (found < 0) {
        problems.push(
          `${s.file}:${line}: the output does not contain "${text}"${from > 0 ? " after the previous expected output" : ""}; the block printed:\n${run.stdout}`,
        );
        break;
      }
      from = found + text.length;
    }
    return problems;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Type errors and run problems of one block (both are gathered, so one run shows everything). */
async function problemsOf(s: Snippet): Promise<string[]> {
  const [types, run] = await Promise.all([typeCheck, runSnippet(s)]);
  return [...(types.bySnippet.get(s) ?? []), ...run];
}

test("the documentation has ts blocks to check, in README.md and docs/", () => {
  const files = new Set(snippets.map((s) => s.file));
  assert.ok(files.has("README.md"), "no ```ts block found in README.md");
  assert.ok(
    [...files].some((f) => f.startsWith("docs/")),
    "no ```ts block found in docs/",
  );
});

for (const s of snippets) {
  const skip = SKIPPED_FILES[s.file];
  test(`${s.file}:${s.line} type-checks and runs`, { skip }, async () => {
    const problems = await problemsOf(s);
    if (problems.length > 0) assert.fail(problems.join("\n"));
  });
}

test("tsc finds no errors outside the blocks (in src/ or the generated tsconfig)", async () => {
  const { elsewhere } = await typeCheck;
  assert.deepEqual(elsewhere, []);
});

test("self-check: a type error, a throw and a missing expected output each fail a block", async () => {
  const [typeError, throws, wrongOutput] = await Promise.all(
    [typeErrorBlock, throwingBlock, wrongOutputBlock].map(problemsOf),
  );
  assert.equal(typeError.length, 1, typeError.join("\n"));
  assert.match(
    typeError[0],
    /^test\/docs\/self-check\.md:2:7: error TS2322: Type 'string' is not assignable to type 'number'/,
  );
  assert.equal(throws.length, 1, throws.join("\n"));
  assert.match(throws[0], /^test\/docs\/self-check\.md:6: the block exited with code 1:/);
  assert.match(throws[0], /Error: snippet failed on purpose/);
  assert.match(throws[0], /test\/docs\/self-check\.md:8\b/); // the throw's line, in the markdown
  assert.equal(wrongOutput.length, 1, wrongOutput.join("\n"));
  assert.match(
    wrongOutput[0],
    /^test\/docs\/self-check\.md:13: the output does not contain "ba" after the previous expected output; the block printed:\n2\nab\n$/,
  );
});
