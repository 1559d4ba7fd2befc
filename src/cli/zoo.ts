// The models that `nabla train` knows: src/models' registry (the book's models and their default
// hyperparameters), seen through the interface the training loop needs.
import type { Module } from "../nn/module.js";
import { get, list, type ModelDefaults as ZooDefaults } from "../models/registry.js";
import type { TrainableModel } from "../train/trainer.js";

/** The book's defaults for a model, e.g. LeNet: `{ lr: 0.9, batchSize: 256, epochs: 10, init: "xavier" }`. */
export type ModelDefaults = Omit<ZooDefaults, "init"> & {
  init?: "xavier" | ((net: TrainableModel) => void);
};

/** A model the CLI can build, e.g. `getModel("lenet").build({ numClasses: 10, inChannels: 1 })`. */
export interface ModelEntry {
  name: string;
  description: string;
  defaults: ModelDefaults;
  build(options: { numClasses: number; inChannels: number }): TrainableModel & Module;
}

function adapt(e: ReturnType<typeof get>): ModelEntry {
  const init = e.defaults.init;
  return {
    name: e.name,
    description: `${e.description} (d2l ${e.section})`,
    defaults: {
      ...e.defaults,
      init: typeof init === "function" ? (net) => init(net as unknown as Module) : init,
    },
    build: (options) => e.build(options),
  };
}

/** All models, in the book's order. */
export function listModels(): ModelEntry[] {
  return list().map(adapt);
}

/**
 * The model called `name`; unknown names list the known ones.
 * @example getModel("lenet").defaults.lr; // 0.9
 */
export function getModel(name: string): ModelEntry {
  try {
    return adapt(get(name));
  } catch (e) {
    throw new Error((e as Error).message.replace(/^models\.get: /, ""), { cause: e });
  }
}
