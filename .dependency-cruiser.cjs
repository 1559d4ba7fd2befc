// Layering from DESIGN.md: each folder of src/ may import only from the folders above it.
const layers = ["tensor", "backend", "autograd", "ops", "nn", "optim", "io", "data", "train", "models", "cli"];

// One rule per layer that has layers below it (cli, the last, may import from every folder).
const againstTheLayering = layers.slice(0, -1).map((layer, i) => ({
  name: `no-upward-import-from-${layer}`,
  severity: "error",
  comment: `src/${layer} may import only from the layers above it: ${layers.slice(0, i + 1).join(", ")}`,
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${layers.slice(i + 1).join("|")})/` },
}));

// The core entry (src/core.ts, what a browser bundle of nabla holds) may reach nothing Node-only:
// not the Node side of the backend (the addon's loader, the Node setup) nor the folders below
// the core. The lint rule in eslint.config.js keeps Node's built-ins out of the core's files.
const nodeOnly = "^src/(io|data|train|cli|backend/(native|node))/";

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    ...againstTheLayering,
    {
      name: "core-entry-stays-browser-safe",
      severity: "error",
      comment: `src/core.ts must not reach ${nodeOnly} (Node-only); the Node entry src/index.ts adds them`,
      from: { path: "^src/core\\.ts$" },
      to: { path: nodeOnly, reachable: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(dist|node_modules)/" },
  },
};
