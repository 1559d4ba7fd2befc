// Finds the TypeScript code blocks of the documentation, with what the snippet test needs to know
// about each: where it is, the files it expects to find, and the output its comments promise.
//
// Conventions (also described in docs/ARCHITECTURE.md, "Documentation snippets"):
// - Every fenced block whose language is `ts` or `typescript` is a standalone program: it imports
//   what it uses (`import * as nb from "nabla";`). User docs import only packages; developer docs
//   (DEVELOPER_DOCS) may also import the source tree relative to the markdown file
//   (`"../src/autograd/function.js"`).
// - `console.log(...); // text` promises that the program prints `text`: stdout must contain each
//   such text, in the order of the lines.
// - A block that reads files the user would have declares them in an HTML comment (invisible once
//   rendered) on the last non-blank line before the fence: `<!-- snippet: fixtures=cifar10,hotdog -->`.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Markdown files whose snippets may import the source tree by relative paths. */
export const DEVELOPER_DOCS: readonly string[] = ["docs/ARCHITECTURE.md"];

/** An output line that a snippet promises through a `console.log(...); // text` comment. */
export interface ExpectedOutput {
  /** 1-based line in the markdown file. */
  line: number;
  text: string;
}

/** One code block of a markdown file. */
export interface Snippet {
  /** The markdown file, relative to the repository root with `/` separators (`docs/data.md`). */
  file: string;
  /** 1-based line of the opening fence; the code's line i (0-based) is at `line + 1 + i`. */
  line: number;
  code: string;
  /** Fixture names from the `<!-- snippet: fixtures=... -->` comment before the fence. */
  fixtures: string[];
  expected: ExpectedOutput[];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
const DIRECTIVE = /^\s*<!--\s*snippet:(.*?)-->\s*$/;
const EXPECTED = /^\s*console\.log\(.*\);?\s*\/\/\s?(.*\S)\s*$/;
const TS_LANGUAGES = new Set(["ts", "typescript"]);

/** `README.md` and every markdown file under `docs/`, relative to `root`, sorted. */
export function documentationFiles(root: string): string[] {
  const out = ["README.md"];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) out.push(path);
    }
  };
  walk("docs");
  return out.sort();
}

function parseDirective(body: string, where: string): string[] {
  const fixtures: string[] = [];
  for (const part of body.trim().split(/\s+/).filter(Boolean)) {
    const m = /^fixtures=(.*)$/.exec(part);
    if (m === null) {
      throw new Error(
        `${where}: unknown snippet directive "${part}" (the only one is fixtures=name,name)`,
      );
    }
    fixtures.push(...m[1].split(",").filter(Boolean));
  }
  return fixtures;
}

/**
 * The ts code blocks of one markdown file. A `<!-- snippet: ... -->` comment that is not right
 * before a ts block, or that says something unknown, is an error naming the file and line.
 * Example: `extractSnippets("docs/data.md", text)[0].line` is the first block's fence line.
 */
export function extractSnippets(file: string, text: string): Snippet[] {
  const lines = text.split(/\r?\n/);
  const snippets: Snippet[] = [];
  let pending: { line: number; fixtures: string[] } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const directive = DIRECTIVE.exec(lines[i]);
    if (directive !== null) {
      pending = { line: i + 1, fixtures: parseDirective(directive[1], `${file}:${i + 1}`) };
      continue;
    }
    const fence = FENCE.exec(lines[i]);
    if (fence === null) {
      if (pending !== null && lines[i].trim() !== "") {
        throw new Error(
          `${file}:${pending.line}: a <!-- snippet: ... --> comment must come right before a \`\`\`ts block`,
        );
      }
      continue;
    }
    const [, indent, marker, language] = fence;
    const close = new RegExp(`^\\s*${marker[0] === "`" ? "`" : "~"}{${marker.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end])) end++;
    if (end === lines.length) throw new Error(`${file}:${i + 1}: code block is never closed`);
    const isTs = TS_LANGUAGES.has(language.toLowerCase());
    if (pending !== null && !isTs) {
      throw new Error(
        `${file}:${pending.line}: a <!-- snippet: ... --> comment must come right before a \`\`\`ts block, not a \`\`\`${language} one`,
      );
    }
    if (isTs) {
      // A block indented inside a list item loses that indentation, as a renderer shows it.
      const body = lines
        .slice(i + 1, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
      const expected: ExpectedOutput[] = [];
      body.forEach((l, k) => {
        const m = EXPECTED.exec(l);
        if (m !== null) expected.push({ line: i + 2 + k, text: m[1] });
      });
      snippets.push({
        file,
        line: i + 1,
        code: body.join("\n"),
        fixtures: pending?.fixtures ?? [],
        expected,
      });
    }
    pending = null;
    i = end;
  }
  if (pending !== null) {
    throw new Error(
      `${file}:${pending.line}: a <!-- snippet: ... --> comment must come right before a \`\`\`ts block`,
    );
  }
  return snippets;
}

/** Every ts block of README.md and docs/, in file order. */
export function documentationSnippets(root: string): Snippet[] {
  return documentationFiles(root).flatMap((file) =>
    extractSnippets(file, readFileSync(join(root, file), "utf8")),
  );
}

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"'\n]+)\2/g;

/**
 * The snippet's code with its module specifiers made to work from `outDir`: `"nabla"` becomes the
 * path of `src/index.js` (`"nabla/core"` that of `src/core.js`), and (in developer docs only) a relative specifier, which is relative to
 * the markdown file, is re-rooted. Lines keep their numbers. Throws on a relative import in user
 * docs, since users cannot write one.
 */
export function rewriteImports(snippet: Snippet, root: string, outDir: string): string {
  const fromOut = (repoPath: string): string => {
    const rel = relative(outDir, join(root, repoPath)).split("\\").join("/");
    return rel.startsWith(".") ? rel : `./${rel}`;
  };
  const mdDir = snippet.file.includes("/")
    ? snippet.file.slice(0, snippet.file.lastIndexOf("/"))
    : "";
  return snippet.code.replace(SPECIFIER, (whole, prefix: string, quote: string, spec: string) => {
    if (spec === "nabla") return `${prefix}${quote}${fromOut("src/index.js")}${quote}`;
    if (spec === "nabla/core") return `${prefix}${quote}${fromOut("src/core.js")}${quote}`;
    if (!spec.startsWith("./") && !spec.startsWith("../")) return whole;
    if (!DEVELOPER_DOCS.includes(snippet.file)) {
      throw new Error(
        `${snippet.file}:${snippet.line}: the block imports "${spec}"; user documentation imports "nabla" (only ${DEVELOPER_DOCS.join(", ")} may import the source tree)`,
      );
    }
    const target = join(mdDir, spec).split("\\").join("/");
    return `${prefix}${quote}${fromOut(target)}${quote}`;
  });
}
