// AlexNet as d2l trains it on Fashion-MNIST (7.1): one input channel, 224x224 inputs, a
// 10-way output, and the original's layer sizes otherwise.
import { ReLU } from "../nn/activation.js";
import type { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { Dropout } from "../nn/dropout.js";
import { Flatten } from "../nn/flatten.js";
import { Linear } from "../nn/linear.js";
import { MaxPool2d } from "../nn/pool.js";
import { type ModelOptions, modelOptions } from "./lenet.js";

/**
 * AlexNet for 224x224 inputs (the 6400-unit flatten fixes the size).
 * Example: `models.alexnet().forward(nb.randn([1, 1, 224, 224]))` is `[1, 10]`.
 */
export function alexnet(opts: ModelOptions = {}): Sequential {
  const { numClasses, inChannels } = modelOptions(opts);
  return new Sequential<Module[]>(
    // A large window with a big stride shrinks the 224x224 image quickly.
    new Conv2d(inChannels, 96, 11, { stride: 4, padding: 1 }),
    new ReLU(),
    new MaxPool2d(3, { stride: 2 }),
    new Conv2d(96, 256, 5, { padding: 2 }),
    new ReLU(),
    new MaxPool2d(3, { stride: 2 }),
    new Conv2d(256, 384, 3, { padding: 1 }),
    new ReLU(),
    new Conv2d(384, 384, 3, { padding: 1 }),
    new ReLU(),
    new Conv2d(384, 256, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(3, { stride: 2 }),
    new Flatten(),
    new Linear(6400, 4096),
    new ReLU(),
    new Dropout(0.5),
    new Linear(4096, 4096),
    new ReLU(),
    new Dropout(0.5),
    new Linear(4096, numClasses),
  );
}
