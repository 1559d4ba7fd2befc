// ResNet (d2l 7.6): residual blocks of two 3x3 convolutions with batch norm, an optional 1x1
// convolution on the shortcut; ResNet-18; and the multi-GPU chapter's variant for 28x28 inputs.
import { add, relu } from "../ops/elementwise.js";
import type { Tensor } from "../tensor/tensor.js";
import { ReLU } from "../nn/activation.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { Flatten } from "../nn/flatten.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import { BatchNorm2d } from "../nn/normalization.js";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pool.js";
import { type ModelOptions, modelOptions } from "./lenet.js";

/** Options of `Residual`. */
export interface ResidualOptions {
  /** A 1x1 convolution on the shortcut, to change the channels or the resolution. */
  use1x1conv?: boolean;
  /** Stride of the first convolution (and of the 1x1 shortcut). */
  strides?: number;
}

/**
 * The residual block: `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`. Fields in the book's
 * order, so keys are `conv1.*`, `conv2.*`, `conv3.*` (when present), `bn1.*`, `bn2.*`.
 * Example: `new models.Residual(3, 6, { use1x1conv: true, strides: 2 })` halves H and W.
 */
export class Residual extends Module {
  conv1: Conv2d;
  conv2: Conv2d;
  conv3: Conv2d | null;
  bn1: BatchNorm2d;
  bn2: BatchNorm2d;

  constructor(inputChannels: number, numChannels: number, opts: ResidualOptions = {}) {
    super();
    const strides = opts.strides ?? 1;
    this.conv1 = new Conv2d(inputChannels, numChannels, 3, { padding: 1, stride: strides });
    this.conv2 = new Conv2d(numChannels, numChannels, 3, { padding: 1 });
    this.conv3 = opts.use1x1conv
      ? new Conv2d(inputChannels, numChannels, 1, { stride: strides })
      : null;
    this.bn1 = new BatchNorm2d(numChannels);
    this.bn2 = new BatchNorm2d(numChannels);
  }

  override forward(x: Tensor): Tensor {
    const y = this.bn2.forward(this.conv2.forward(relu(this.bn1.forward(this.conv1.forward(x)))));
    const shortcut = this.conv3 === null ? x : this.conv3.forward(x);
    return relu(add(y, shortcut));
  }
}

/**
 * `numResiduals` residual blocks; the first halves H and W and changes the channels, unless it is
 * the first stage (after the stem's max pool). Example: `models.resnetBlock(64, 128, 2)`.
 */
export function resnetBlock(
  inputChannels: number,
  numChannels: number,
  numResiduals: number,
  firstBlock = false,
): Residual[] {
  const blocks: Residual[] = [];
  for (let i = 0; i < numResiduals; i++) {
    if (i === 0 && !firstBlock)
      blocks.push(new Residual(inputChannels, numChannels, { use1x1conv: true, strides: 2 }));
    else blocks.push(new Residual(numChannels, numChannels));
  }
  return blocks;
}

/**
 * ResNet-18 as d2l 7.6 builds it: a 7x7 stem with max pool, four stages of two residual blocks,
 * global average pooling and a linear layer. Example: `models.resnet18().forward(nb.randn([1, 1, 96, 96]))`.
 */
export function resnet18(opts: ModelOptions = {}): Sequential {
  const { numClasses, inChannels } = modelOptions(opts);
  const b1 = new Sequential<Module[]>(
    new Conv2d(inChannels, 64, 7, { stride: 2, padding: 3 }),
    new BatchNorm2d(64),
    new ReLU(),
    new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  return new Sequential<Module[]>(
    b1,
    new Sequential<Module[]>(...resnetBlock(64, 64, 2, true)),
    new Sequential<Module[]>(...resnetBlock(64, 128, 2)),
    new Sequential<Module[]>(...resnetBlock(128, 256, 2)),
    new Sequential<Module[]>(...resnetBlock(256, 512, 2)),
    new AdaptiveAvgPool2d([1, 1]),
    new Flatten(),
    new Linear(512, numClasses),
  );
}

/**
 * The ResNet-18 of d2l's multi-GPU chapter (12.6), for small images: a 3x3 stride-1 stem and no
 * max pool, named stages `resnet_block1..4`, `global_avg_pool` and `fc`.
 * Example: `models.resnet18Small().forward(nb.randn([1, 1, 28, 28]))`.
 */
export function resnet18Small(opts: ModelOptions = {}): Sequential {
  const { numClasses, inChannels } = modelOptions(opts);
  const net = new Sequential<Module[]>(
    new Conv2d(inChannels, 64, 3, { stride: 1, padding: 1 }),
    new BatchNorm2d(64),
    new ReLU(),
  );
  net.addModule("resnet_block1", new Sequential<Module[]>(...resnetBlock(64, 64, 2, true)));
  net.addModule("resnet_block2", new Sequential<Module[]>(...resnetBlock(64, 128, 2)));
  net.addModule("resnet_block3", new Sequential<Module[]>(...resnetBlock(128, 256, 2)));
  net.addModule("resnet_block4", new Sequential<Module[]>(...resnetBlock(256, 512, 2)));
  net.addModule("global_avg_pool", new AdaptiveAvgPool2d([1, 1]));
  net.addModule("fc", new Sequential<Module[]>(new Flatten(), new Linear(512, numClasses)));
  return net;
}
