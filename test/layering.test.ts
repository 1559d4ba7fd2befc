// The layering rules of .dependency-cruiser.cjs (run by `npm run layering`): every folder of src/
// has a layer, in the order docs/ARCHITECTURE.md gives, each import to a lower layer is forbidden,
// each import to a higher one allowed, and no rule is one that can never match.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";

const root = join(import.meta.dirname, "..");

interface Rule {
  name: string;
  from: { path?: string };
  to: { path?: string; circular?: boolean };
}
const config = createRequire(import.meta.url)(join(root, ".dependency-cruiser.cjs")) as {
  forbidden: Rule[];
};
// The rules between folders (from `^src/<folder>/`); others, such as the one keeping src/core.ts
// browser-safe, guard single files and are checked by their own tests.
const layerRules = config.forbidden.filter(
  (r) => r.to.path !== undefined && /^\^src\/\w+\/$/.test(r.from.path ?? ""),
);

/** The rules that forbid an import from src/<from>/ to src/<to>/. */
const forbidding = (from: string, to: string) =>
  layerRules.filter(
    (r) =>
      new RegExp(r.from.path ?? "").test(`src/${from}/a.ts`) &&
      new RegExp(r.to.path!).test(`src/${to}/b.ts`),
  );

const architecture = readFileSync(join(root, "docs", "ARCHITECTURE.md"), "utf8");
const order = /`(tensor(?: → \w+)+)`/.exec(architecture)?.[1]?.split(" → ") ?? [];

test("every folder of src/ is a layer, in the order of docs/ARCHITECTURE.md", () => {
  const folders = readdirSync(join(root, "src"), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  assert.ok(order.length > 0, "ARCHITECTURE.md names the layer order");
  assert.deepEqual([...folders].sort(), [...order].sort());
});

test("an import into a lower layer is forbidden, into the same or a higher layer allowed", () => {
  for (const [i, from] of order.entries()) {
    for (const [j, to] of order.entries()) {
      const rules = forbidding(from, to).map((r) => r.name);
      if (j > i) assert.equal(rules.length, 1, `${from} -> ${to} is forbidden by one rule`);
      else assert.deepEqual(rules, [], `${from} -> ${to} is allowed`);
    }
  }
});

test("every layering rule forbids some import (no rule whose pattern cannot match)", () => {
  for (const rule of layerRules) {
    const hits = order.flatMap((from) => order.filter((to) => forbidding(from, to).includes(rule)));
    assert.ok(hits.length > 0, `${rule.name} matches no import between the layers`);
  }
});
