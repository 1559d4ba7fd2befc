// The nn namespace: modules, parameters, layers, losses, `init`, `functional` and `utils`.
export * from "./activation.js";
export * from "./containers.js";
export * from "./conv.js";
export * from "./dropout.js";
export { Dropout2d } from "./dropout2d.js";
export * from "./flatten.js";
export * from "./linear.js";
export * from "./loss.js";
export * from "./module.js";
export * from "./normalization.js";
export * from "./parameter.js";
export * from "./pool.js";
export * from "./upsampling.js";
export * as functional from "./functional.js";
export * as init from "./init.js";
export * as utils from "./utils/index.js";
export type { Reduction } from "./loss-functions.js";
