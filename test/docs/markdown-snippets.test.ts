// How the snippet test reads markdown: which blocks count, their line numbers, the fixture
// comments, the expected-output comments, and how imports are pointed at the sources.
import assert from "node:assert/strict";
import { test } from "node:test";
import { extractSnippets, rewriteImports } from "./markdown-snippets.js";

const md = (...lines: string[]) => lines.join("\n");

test("extractSnippets: ts and typescript blocks with their fence lines; other languages are skipped", () => {
  const text = md(
    "# Title", // 1
    "```sh",
    "npm test",
    "```",
    "```ts", // 5
    'import * as nb from "nabla";',
    "```",
    "- a list item:",
    "  ```typescript", // 9
    "  const a = 1;",
    "    const b = 2;",
    "  ```",
    "````ts", // 13
    "const s = `",
    "```",
    "`;",
    "````",
  );
  const blocks = extractSnippets("docs/x.md", text);
  assert.deepEqual(
    blocks.map((b) => [b.line, b.code]),
    [
      [5, 'import * as nb from "nabla";'],
      [9, "const a = 1;\n  const b = 2;"], // the list item's indentation is removed
      [13, "const s = `\n```\n`;"], // a longer fence holds a shorter one
    ],
  );
  assert.ok(blocks.every((b) => b.file === "docs/x.md" && b.fixtures.length === 0));
});

test("extractSnippets: `console.log(...); // text` lines are expected output, with their markdown lines", () => {
  const [block] = extractSnippets(
    "README.md",
    md(
      "```ts", // 1
      "const x = 1;",
      "console.log(x.toString()); // 1",
      "x.toString(); // not a console.log: a plain comment",
      "  console.log(`a // b`, [1]);   //   a // b [ 1 ]  ",
      "console.log(x) // no semicolon",
      "```",
    ),
  );
  assert.deepEqual(block.expected, [
    { line: 3, text: "1" },
    { line: 5, text: "  a // b [ 1 ]" },
    { line: 6, text: "no semicolon" },
  ]);
});

test("extractSnippets: a fixtures comment before the fence, blank lines allowed between", () => {
  const [block] = extractSnippets(
    "docs/data.md",
    md("<!-- snippet: fixtures=cifar10,hotdog -->", "", "```ts", "const a = 1;", "```"),
  );
  assert.deepEqual(block.fixtures, ["cifar10", "hotdog"]);
});

test("extractSnippets: a misplaced or unknown snippet comment, or an unclosed fence, is an error naming the line", () => {
  assert.throws(
    () =>
      extractSnippets(
        "a.md",
        md("<!-- snippet: fixtures=cifar10 -->", "Some text.", "```ts", "1;", "```"),
      ),
    /^Error: a\.md:1: a <!-- snippet: \.\.\. --> comment must come right before a ```ts block$/,
  );
  assert.throws(
    () => extractSnippets("a.md", md("", "<!-- snippet: fixtures=x -->", "```sh", "ls", "```")),
    /^Error: a\.md:2: .* must come right before a ```ts block, not a ```sh one$/,
  );
  assert.throws(
    () => extractSnippets("a.md", md("<!-- snippet: fixtures=x -->")),
    /^Error: a\.md:1: a <!-- snippet/,
  );
  assert.throws(
    () => extractSnippets("a.md", md("", "", "<!-- snippet: skip -->", "```ts", "1;", "```")),
    /^Error: a\.md:3: unknown snippet directive "skip" \(the only one is fixtures=name,name\)$/,
  );
  assert.throws(
    () => extractSnippets("a.md", md("text", "```ts", "1;")),
    /^Error: a\.md:2: code block is never closed$/,
  );
});

test("rewriteImports: nabla points at src/index.js (nabla/core at src/core.js); relative imports only in developer docs", () => {
  const root = "/repo";
  const outDir = "/repo/test/docs/.snippets/run-1";
  const [user] = extractSnippets(
    "README.md",
    md(
      "```ts",
      'import * as nb from "nabla";',
      'import { readFileSync } from "node:fs";',
      'const lazy = await import("nabla");',
      'import * as core from "nabla/core";',
      "```",
    ),
  );
  assert.equal(
    rewriteImports(user, root, outDir),
    md(
      'import * as nb from "../../../../src/index.js";',
      'import { readFileSync } from "node:fs";',
      'const lazy = await import("../../../../src/index.js");',
      'import * as core from "../../../../src/core.js";',
    ),
  );

  const [dev] = extractSnippets(
    "docs/ARCHITECTURE.md",
    md(
      "```ts",
      'import { apply } from "../src/autograd/function.js";',
      'import "./side-effect.js";',
      "```",
    ),
  );
  assert.equal(
    rewriteImports(dev, root, outDir),
    md(
      'import { apply } from "../../../../src/autograd/function.js";',
      'import "../../../../docs/side-effect.js";',
    ),
  );

  const [userRelative] = extractSnippets(
    "docs/data.md",
    md("", "```ts", 'import { apply } from "../src/autograd/function.js";', "```"),
  );
  assert.throws(
    () => rewriteImports(userRelative, root, outDir),
    /^Error: docs\/data\.md:2: the block imports "\.\.\/src\/autograd\/function\.js"; user documentation imports "nabla" \(only docs\/ARCHITECTURE\.md may import the source tree\)$/,
  );
});
