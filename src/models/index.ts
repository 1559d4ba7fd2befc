// The model zoo of d2l's convolutional chapters (and the MLPs before them), torchvision's
// ResNet-18 layout (`models.torchvision`), the registry the CLI uses, `summary`, and the
// fine-tuning helpers.
export * from "./alexnet.js";
export * from "./densenet.js";
export * from "./finetune.js";
export * from "./googlenet.js";
export * from "./lenet.js";
export * from "./mlp.js";
export * from "./nin.js";
export { find, get, list, type ModelDefaults, type ModelEntry } from "./registry.js";
export * from "./resnet.js";
export * from "./summary.js";
export * as torchvision from "./torchvision.js";
export * from "./vgg.js";
