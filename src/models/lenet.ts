// LeNet-5 as d2l builds it (6.6): sigmoid activations and average pooling; and the batch-norm
// variant of 7.5 (concise version), which drops the first convolution's padding.
import { Sigmoid } from "../nn/activation.js";
import type { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { Flatten } from "../nn/flatten.js";
import { Linear } from "../nn/linear.js";
import { BatchNorm1d, BatchNorm2d } from "../nn/normalization.js";
import { AvgPool2d } from "../nn/pool.js";

/** What every zoo model takes: the number of classes and of input channels. */
export interface ModelOptions {
  /** Output classes (default 10, Fashion-MNIST). */
  numClasses?: number;
  /** Input channels (default 1, grey images). */
  inChannels?: number;
}

/** The options with their defaults filled in. Example: `modelOptions({ numClasses: 2 })` is `{ numClasses: 2, inChannels: 1 }`. */
export function modelOptions(opts: ModelOptions = {}): Required<ModelOptions> {
  return { numClasses: opts.numClasses ?? 10, inChannels: opts.inChannels ?? 1 };
}

/**
 * LeNet on 28x28 inputs, in the book's layer order (state-dict keys `0.weight`, `3.weight`,
 * `7.weight`, `9.weight`, `11.weight`). Example: `const net = models.lenet(); net.forward(nb.randn([1, 1, 28, 28]))`.
 */
export function lenet(opts: ModelOptions = {}): Sequential {
  const { numClasses, inChannels } = modelOptions(opts);
  return new Sequential<Module[]>(
    new Conv2d(inChannels, 6, 5, { padding: 2 }),
    new Sigmoid(),
    new AvgPool2d(2, { stride: 2 }),
    new Conv2d(6, 16, 5),
    new Sigmoid(),
    new AvgPool2d(2, { stride: 2 }),
    new Flatten(),
    new Linear(16 * 5 * 5, 120),
    new Sigmoid(),
    new Linear(120, 84),
    new Sigmoid(),
    new Linear(84, numClasses),
  );
}

/**
 * LeNet with batch normalisation after every convolution and hidden linear layer (d2l 7.5).
 * Example: `models.lenetBN().forward(nb.randn([2, 1, 28, 28]))`.
 */
export function lenetBN(opts: ModelOptions = {}): Sequential {
  const { numClasses, inChannels } = modelOptions(opts);
  return new Sequential<Module[]>(
    new Conv2d(inChannels, 6, 5),
    new BatchNorm2d(6),
    new Sigmoid(),
    new AvgPool2d(2, { stride: 2 }),
    new Conv2d(6, 16, 5),
    new BatchNorm2d(16),
    new Sigmoid(),
    new AvgPool2d(2, { stride: 2 }),
    new Flatten(),
    new Linear(256, 120),
    new BatchNorm1d(120),
    new Sigmoid(),
    new Linear(120, 84),
    new BatchNorm1d(84),
    new Sigmoid(),
    new Linear(84, numClasses),
  );
}
