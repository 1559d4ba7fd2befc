// The models that `nabla train` knows, with the book's default hyperparameters: the concise
// softmax regression and MLPs of chapters 4-5 are defined here; the CNNs come from src/models.
// TODO(models): adapt src/models' registry here once it lands.
import { Dropout } from "../nn/dropout.js";
import { Flatten } from "../nn/flatten.js";
import { ReLU } from "../nn/activation.js";
import { normal_ } from "../nn/init.js";
import { Linear } from "../nn/linear.js";
import { Sequential } from "../nn/containers.js";
import type { Module } from "../nn/module.js";
import type { TrainableModel } from "../train/trainer.js";

/** The book's defaults for a model, e.g. LeNet: `{ lr: 0.9, batchSize: 256, epochs: 10 }`. */
export interface ModelDefaults {
  lr: number;
  batchSize: number;
  epochs: number;
  /** Input side length the model expects (Fashion-MNIST images are resized to it); undefined keeps 28. */
  resize?: number;
  optimizer: "sgd" | "adam";
  /** d2l's init for this model in the book: `"xavier"` (the CNNs), or a function (e.g. N(0, 0.01) weights). */
  init?: "xavier" | ((net: TrainableModel) => void);
}

/** A model the CLI can build, e.g. `getModel("lenet").build({ numClasses: 10, inChannels: 1 })`. */
export interface ModelEntry {
  name: string;
  description: string;
  defaults: ModelDefaults;
  build(options: { numClasses: number; inChannels: number }): TrainableModel & {
    toString(): string;
  };
}

/** d2l's `init_weights` of chapters 4-5: N(0, 0.01) weights for every Linear (biases keep PyTorch's init). */
function initNormal(net: TrainableModel): void {
  (net as unknown as Module).apply((m) => {
    if (m instanceof Linear) normal_(m.weight, 0, 0.01);
  });
}

const book = (lr: number, extra: Partial<ModelDefaults> = {}): ModelDefaults => ({
  lr,
  batchSize: 256,
  epochs: 10,
  optimizer: "sgd",
  ...extra,
});

const MODELS: ModelEntry[] = [
  {
    name: "softmax",
    description: "softmax regression (d2l 4.5): Flatten, Linear(784, 10)",
    defaults: book(0.1, { init: initNormal }),
    build: ({ numClasses, inChannels }) =>
      new Sequential(new Flatten(), new Linear(inChannels * 784, numClasses)),
  },
  {
    name: "mlp",
    description: "multilayer perceptron (d2l 5.2): 256 hidden units, ReLU",
    defaults: book(0.1, { init: initNormal }),
    build: ({ numClasses, inChannels }) =>
      new Sequential(
        new Flatten(),
        new Linear(inChannels * 784, 256),
        new ReLU(),
        new Linear(256, numClasses),
      ),
  },
  {
    name: "mlp-dropout",
    description: "MLP with dropout (d2l 5.6): 256-256 hidden, dropout 0.2 and 0.5",
    defaults: book(0.5, { init: initNormal }),
    build: ({ numClasses, inChannels }) =>
      new Sequential(
        new Flatten(),
        new Linear(inChannels * 784, 256),
        new ReLU(),
        new Dropout(0.2),
        new Linear(256, 256),
        new ReLU(),
        new Dropout(0.5),
        new Linear(256, numClasses),
      ),
  },
];

/** All models, in the book's order. */
export function listModels(): readonly ModelEntry[] {
  return MODELS;
}

/**
 * The model called `name`; unknown names list the known ones.
 * @example getModel("lenet").defaults.lr; // 0.9
 */
export function getModel(name: string): ModelEntry {
  const m = MODELS.find((e) => e.name === name.toLowerCase());
  if (!m)
    throw new Error(
      `unknown model "${name}"; known models: ${MODELS.map((e) => e.name).join(", ") || "(none yet)"}`,
    );
  return m;
}
