// The models that `nabla train` knows, with the book's default hyperparameters.
// TODO(models): adapt src/models' registry here once it lands.
import type { TrainableModel } from "../train/trainer.js";

/** The book's defaults for a model, e.g. LeNet: `{ lr: 0.9, batchSize: 256, epochs: 10 }`. */
export interface ModelDefaults {
  lr: number;
  batchSize: number;
  epochs: number;
  /** Input side length the model expects (Fashion-MNIST images are resized to it); undefined keeps 28. */
  resize?: number;
  optimizer: "sgd" | "adam";
  /** d2l's init for this model in the book (`"xavier"` for the CNNs of chapters 7-8). */
  init?: "xavier";
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

const MODELS: ModelEntry[] = [];

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
