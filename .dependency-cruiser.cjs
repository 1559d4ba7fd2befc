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

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    ...againstTheLayering,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(dist|node_modules)/" },
  },
};
