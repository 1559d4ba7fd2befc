// The fully connected models of d2l chapters 4-5, for the registry: softmax regression and the
// MLPs (concise versions), flattening 28x28 images.
import { ReLU } from "../nn/activation.js";
import type { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Dropout } from "../nn/dropout.js";
import { Flatten } from "../nn/flatten.js";
import { Linear } from "../nn/linear.js";
import { type ModelOptions, modelOptions } from "./lenet.js";

/** Softmax regression (d2l 4.5): Flatten, Linear(784, 10). Example: `models.softmaxRegression()`. */
export function softmaxRegression(opts: ModelOptions = {}): Sequential {
  const { numClasses, inChannels } = modelOptions(opts);
  return new Sequential<Module[]>(new Flatten(), new Linear(inChannels * 784, numClasses));
}

/** The MLP of d2l 5.2: 256 hidden units with ReLU. Example: `models.mlp()`. */
export function mlp(opts: ModelOptions = {}): Sequential {
  const { numClasses, inChannels } = modelOptions(opts);
  return new Sequential<Module[]>(
    new Flatten(),
    new Linear(inChannels * 784, 256),
    new ReLU(),
    new Linear(256, numClasses),
  );
}

/** The MLP with dropout of d2l 5.6: 256-256 hidden units, dropout 0.2 then 0.5. Example: `models.mlpDropout()`. */
export function mlpDropout(opts: ModelOptions = {}): Sequential {
  const { numClasses, inChannels } = modelOptions(opts);
  return new Sequential<Module[]>(
    new Flatten(),
    new Linear(inChannels * 784, 256),
    new ReLU(),
    new Dropout(0.2),
    new Linear(256, 256),
    new ReLU(),
    new Dropout(0.5),
    new Linear(256, numClasses),
  );
}
