// The model zoo by name, with the book's training hyperparameters (batch size, learning rate,
// epochs, input resize) for each, as the CLI uses them: `models.get("lenet").build()`.
import { normal_ } from "../nn/init.js";
import { Linear } from "../nn/linear.js";
import type { Module } from "../nn/module.js";
import { alexnet } from "./alexnet.js";
import { densenet } from "./densenet.js";
import { googlenet } from "./googlenet.js";
import { lenet, lenetBN, type ModelOptions, modelOptions } from "./lenet.js";
import { mlp, mlpDropout, softmaxRegression } from "./mlp.js";
import { nin } from "./nin.js";
import { resnet18, resnet18Small } from "./resnet.js";
import { resnet18 as torchvisionResnet18 } from "./torchvision.js";
import { smallVgg11, vgg11 } from "./vgg.js";

/** The book's training setup for a model, e.g. LeNet: `{ lr: 0.9, batchSize: 256, epochs: 10 }`. */
export interface ModelDefaults {
  lr: number;
  batchSize: number;
  epochs: number;
  /** Side length the images are resized to; undefined keeps Fashion-MNIST's 28. */
  resize?: number;
  optimizer: "sgd" | "adam";
  /** The book's init: `"xavier"` (train_ch6's xavier-uniform on Linear and Conv2d) or a function. */
  init?: "xavier" | ((net: Module) => void);
}

/** A model the registry can build. */
export interface ModelEntry {
  name: string;
  description: string;
  /** Where the book defines it. */
  section: string;
  defaults: ModelDefaults;
  /** A fresh model (PyTorch's default init; apply `defaults.init` before training as the book does). */
  build(options?: ModelOptions): Module;
}

/** d2l's `init_weights` of chapters 4-5: N(0, 0.01) on every Linear's weight. */
function initNormal(net: Module): void {
  net.apply((m) => {
    if (m instanceof Linear) normal_(m.weight, 0, 0.01);
  });
}

const sgd = (
  lr: number,
  batchSize: number,
  resize: number | undefined,
  init: ModelDefaults["init"] = "xavier",
): ModelDefaults => ({ lr, batchSize, epochs: 10, resize, optimizer: "sgd", init });

const ENTRIES: ModelEntry[] = [
  {
    name: "softmax",
    section: "4.5",
    description: "softmax regression: Flatten, Linear(784, 10)",
    defaults: sgd(0.1, 256, undefined, initNormal),
    build: softmaxRegression,
  },
  {
    name: "mlp",
    section: "5.2",
    description: "multilayer perceptron: 256 hidden units, ReLU",
    defaults: sgd(0.1, 256, undefined, initNormal),
    build: mlp,
  },
  {
    name: "mlp-dropout",
    section: "5.6",
    description: "MLP with dropout: 256-256 hidden, dropout 0.2 and 0.5",
    defaults: sgd(0.5, 256, undefined, initNormal),
    build: mlpDropout,
  },
  {
    name: "lenet",
    section: "6.6",
    description: "LeNet-5: sigmoid, average pooling",
    defaults: sgd(0.9, 256, undefined),
    build: lenet,
  },
  {
    name: "lenet-bn",
    section: "7.5",
    description: "LeNet with batch normalization",
    defaults: sgd(1.0, 256, undefined),
    build: lenetBN,
  },
  {
    name: "alexnet",
    section: "7.1",
    description: "AlexNet (Fashion-MNIST variant, 224x224)",
    defaults: sgd(0.01, 128, 224),
    build: alexnet,
  },
  {
    name: "vgg11",
    section: "7.2",
    description: "VGG-11 (conv_arch ((1,64),(1,128),(2,256),(2,512),(2,512)))",
    defaults: sgd(0.05, 128, 224),
    build: vgg11,
  },
  {
    name: "vgg11-small",
    section: "7.2",
    description: "VGG-11 with channels / 4, the variant the book trains",
    defaults: sgd(0.05, 128, 224),
    build: (o) => smallVgg11(o),
  },
  {
    name: "nin",
    section: "7.3",
    description: "Network in Network",
    defaults: sgd(0.1, 128, 224),
    build: nin,
  },
  {
    name: "googlenet",
    section: "7.4",
    description: "GoogLeNet with Inception blocks (96x96)",
    defaults: sgd(0.1, 128, 96),
    build: googlenet,
  },
  {
    name: "resnet18",
    section: "7.6",
    description: "ResNet-18 (96x96)",
    defaults: sgd(0.05, 256, 96),
    build: resnet18,
  },
  {
    name: "resnet18-small",
    section: "12.6",
    description: "ResNet-18 with a 3x3 stem and no max pool (multi-GPU chapter, 28x28)",
    defaults: sgd(0.1, 256, undefined),
    build: resnet18Small,
  },
  {
    name: "torchvision-resnet18",
    section: "13.2",
    description:
      "ResNet-18 in torchvision's layout (its state-dict keys, for converted weights; 96x96)",
    // torchvision's own init (He-normal convolutions), not train_ch6's xavier: d2l 13.2 keeps it.
    defaults: { ...sgd(0.05, 256, 96), init: undefined },
    build: (o) => torchvisionResnet18({ numClasses: 10, inChannels: 1, ...o }),
  },
  {
    name: "densenet",
    section: "7.7",
    description: "DenseNet: growth 32, 4 blocks of 4 convs (96x96)",
    defaults: sgd(0.1, 256, 96),
    build: densenet,
  },
];

/** Every model, in the book's order. Example: `models.list().map((m) => m.name)`. */
export function list(): readonly ModelEntry[] {
  return ENTRIES;
}

/**
 * The model called `name` (case-insensitive), or undefined when there is none.
 * Example: `models.find("lenet")?.section` is "6.6"; `models.find("resnet50")` is undefined.
 */
export function find(name: string): ModelEntry | undefined {
  return ENTRIES.find((e) => e.name === name.toLowerCase());
}

/**
 * The model called `name` (case-insensitive); an unknown name lists the known ones.
 * Example: `models.get("lenet").defaults.lr` is 0.9; `models.get("resnet18").build({ numClasses: 2 })`.
 */
export function get(name: string): ModelEntry {
  const entry = find(name);
  if (entry === undefined)
    throw new Error(
      `models.get: unknown model "${name}"; known models: ${ENTRIES.map((e) => e.name).join(", ")}`,
    );
  return entry;
}

export { modelOptions };
