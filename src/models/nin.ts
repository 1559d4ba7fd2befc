// Network in Network (d2l 7.3): each block is a convolution followed by two 1x1 convolutions (a
// per-pixel MLP), and global average pooling replaces the dense layers.
import { ReLU } from "../nn/activation.js";
import type { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { Dropout } from "../nn/dropout.js";
import { Flatten } from "../nn/flatten.js";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pool.js";
import { type ModelOptions, modelOptions } from "./lenet.js";

/**
 * A NiN block: a `kernelSize` convolution and two 1x1 convolutions, each with ReLU.
 * Example: `models.ninBlock(1, 96, 11, 4, 0)`.
 */
export function ninBlock(
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  strides: number,
  padding: number,
): Sequential {
  return new Sequential<Module[]>(
    new Conv2d(inChannels, outChannels, kernelSize, { stride: strides, padding }),
    new ReLU(),
    new Conv2d(outChannels, outChannels, 1),
    new ReLU(),
    new Conv2d(outChannels, outChannels, 1),
    new ReLU(),
  );
}

/** NiN for 224x224 inputs. Example: `models.nin().forward(nb.randn([1, 1, 224, 224]))` is `[1, 10]`. */
export function nin(opts: ModelOptions = {}): Sequential {
  const { numClasses, inChannels } = modelOptions(opts);
  return new Sequential<Module[]>(
    ninBlock(inChannels, 96, 11, 4, 0),
    new MaxPool2d(3, { stride: 2 }),
    ninBlock(96, 256, 5, 1, 2),
    new MaxPool2d(3, { stride: 2 }),
    ninBlock(256, 384, 3, 1, 1),
    new MaxPool2d(3, { stride: 2 }),
    new Dropout(0.5),
    // One output channel per class, averaged over the image.
    ninBlock(384, numClasses, 3, 1, 1),
    new AdaptiveAvgPool2d([1, 1]),
    new Flatten(),
  );
}
