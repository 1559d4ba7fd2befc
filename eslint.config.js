// Lint rules: the recommended sets of ESLint and typescript-eslint, minus the few that fight
// numeric kernel code (non-null assertions on typed-array indexing, `any` in dispatch tables).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", module: "writable", require: "readonly" } },
  },
);
