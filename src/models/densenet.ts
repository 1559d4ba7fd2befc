// DenseNet (d2l 7.7): dense blocks concatenate every convolution's output onto its input;
// transition blocks halve the channels (1x1 conv) and the resolution (2x2 average pool).
import { cat } from "../ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ReLU } from "../nn/activation.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { Flatten } from "../nn/flatten.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import { BatchNorm2d } from "../nn/normalization.js";
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from "../nn/pool.js";
import { type ModelOptions, modelOptions } from "./lenet.js";

/**
 * DenseNet's pre-activation convolution: batch norm, ReLU, 3x3 convolution.
 * Example: `models.convBlock(64, 32)`.
 */
export function convBlock(inputChannels: number, numChannels: number): Sequential {
  return new Sequential<Module[]>(
    new BatchNorm2d(inputChannels),
    new ReLU(),
    new Conv2d(inputChannels, numChannels, 3, { padding: 1 }),
  );
}

/**
 * `numConvs` conv blocks, each seeing the concatenation of the input and all earlier outputs:
 * output channels `inputChannels + numConvs * numChannels`. Example: `new models.DenseBlock(2, 3, 10)`.
 */
export class DenseBlock extends Module {
  net: Sequential;
  constructor(numConvs: number, inputChannels: number, numChannels: number) {
    super();
    const layers: Sequential[] = [];
    for (let i = 0; i < numConvs; i++)
      layers.push(convBlock(numChannels * i + inputChannels, numChannels));
    this.net = new Sequential<Module[]>(...layers);
  }
  override forward(x: Tensor): Tensor {
    let out = x;
    for (const blk of this.net) out = cat([out, blk.forward(out)], 1);
    return out;
  }
}

/**
 * Batch norm, ReLU, a 1x1 convolution to `numChannels`, and a 2x2 average pool.
 * Example: `models.transitionBlock(192, 96)`.
 */
export function transitionBlock(inputChannels: number, numChannels: number): Sequential {
  return new Sequential<Module[]>(
    new BatchNorm2d(inputChannels),
    new ReLU(),
    new Conv2d(inputChannels, numChannels, 1),
    new AvgPool2d(2, { stride: 2 }),
  );
}

/** Options of `densenet`: the book's growth rate 32 and four blocks of four convolutions. */
export interface DenseNetOptions extends ModelOptions {
  growthRate?: number;
  numConvsInDenseBlocks?: readonly number[];
}

/**
 * DenseNet for 96x96 inputs: a ResNet-like stem, dense blocks with transition blocks between
 * them, batch norm, global average pooling and a linear layer.
 * Example: `models.densenet().forward(nb.randn([1, 1, 96, 96]))` is `[1, 10]`.
 */
export function densenet(opts: DenseNetOptions = {}): Sequential {
  const { numClasses, inChannels } = modelOptions(opts);
  const growthRate = opts.growthRate ?? 32;
  const convs = opts.numConvsInDenseBlocks ?? [4, 4, 4, 4];
  const b1 = new Sequential<Module[]>(
    new Conv2d(inChannels, 64, 7, { stride: 2, padding: 3 }),
    new BatchNorm2d(64),
    new ReLU(),
    new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  let numChannels = 64;
  const blocks: Module[] = [];
  convs.forEach((numConvs, i) => {
    blocks.push(new DenseBlock(numConvs, numChannels, growthRate));
    numChannels += numConvs * growthRate;
    if (i !== convs.length - 1) {
      blocks.push(transitionBlock(numChannels, Math.floor(numChannels / 2)));
      numChannels = Math.floor(numChannels / 2);
    }
  });
  return new Sequential<Module[]>(
    b1,
    ...blocks,
    new BatchNorm2d(numChannels),
    new ReLU(),
    new AdaptiveAvgPool2d([1, 1]),
    new Flatten(),
    new Linear(numChannels, numClasses),
  );
}
