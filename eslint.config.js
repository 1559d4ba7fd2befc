// Lint rules: the recommended sets of ESLint and typescript-eslint, minus the few that fight
// numeric kernel code (non-null assertions on typed-array indexing, `any` in dispatch tables).
import js from "@eslint/js";
import { builtinModules } from "node:module";
import tseslint from "typescript-eslint";

// The core (tensor, backend, autograd, ops, nn, optim and models: what src/core.ts exports, which
// browsers bundle) uses nothing of Node: no built-in module, no Node global, no environment. The
// exceptions are Node's side of the backend (src/backend/native/, the addon's loader, and
// src/backend/node/, what the Node entry sets up) and src/backend/config.ts, the one module that
// reads the environment (it still imports no built-in).
const CORE_FILES = ["tensor", "backend", "autograd", "ops", "nn", "optim", "models"].map(
  (folder) => `src/${folder}/**/*.ts`,
);
const CONFIG_MODULE = "src/backend/config.ts";
const NODE_SIDE = ["src/backend/native/**", "src/backend/node/**"];
const WHY = "Node-only, and the core must load in a browser (see docs/ARCHITECTURE.md, \"Entry points\")";
const NODE_GLOBALS = ["process", "Buffer", "require", "module", "exports", "__dirname", "__filename", "global", "setImmediate", "clearImmediate"];
const anyOf = (names) => `^(${names.map((n) => n.replace("/", "\\/")).join("|")})$`;
const noBuiltinModules = {
  "no-restricted-imports": [
    "error",
    {
      paths: builtinModules.map((name) => ({ name, message: `"${name}" is ${WHY}.` })),
      patterns: [{ group: ["node:*"], message: `Node's built-in modules are ${WHY}.` }],
    },
  ],
  "no-restricted-syntax": [
    "error",
    {
      selector: `ImportExpression[source.value=/^node:|${anyOf(builtinModules)}/]`,
      message: `Node's built-in modules are ${WHY}.`,
    },
  ],
};
const noNodeGlobals = {
  "no-restricted-globals": [
    "error",
    ...NODE_GLOBALS.map((name) => ({ name, message: `\`${name}\` is ${WHY}; settings come from ${CONFIG_MODULE}.` })),
  ],
  "no-restricted-syntax": [
    ...noBuiltinModules["no-restricted-syntax"],
    // globalThis.process, (globalThis as T).process, globalThis["process"]; import.meta.dirname.
    ...["name", "value"].map((key) => ({
      selector: `MemberExpression:matches([object.name="globalThis"], [object.expression.name="globalThis"])[property.${key}=/${anyOf(NODE_GLOBALS)}/]`,
      message: `Node's globals are ${WHY}; settings come from ${CONFIG_MODULE}.`,
    })),
    {
      selector: `MemberExpression[object.type="MetaProperty"][property.name=/^(dirname|filename)$/]`,
      message: `import.meta's Node properties are ${WHY}.`,
    },
  ],
  "no-restricted-properties": [
    "error",
    { property: "env", message: `The environment is read only by ${CONFIG_MODULE}: the core must load in a browser.` },
  ],
};

export default tseslint.config(
  // test/docs/.snippets/ holds documentation blocks written out by the snippet test while it runs.
  { ignores: ["dist/**", "build/**", "node_modules/**", "runs/**", "test/docs/.snippets/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-unsafe-declaration-merging": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  { files: CORE_FILES, ignores: [CONFIG_MODULE, ...NODE_SIDE], rules: { ...noBuiltinModules, ...noNodeGlobals } },
  { files: [CONFIG_MODULE], rules: noBuiltinModules },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", module: "writable", require: "readonly" } },
  },
);
