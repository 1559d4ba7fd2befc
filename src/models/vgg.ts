// VGG (d2l 7.2): blocks of 3x3 convolutions and a 2x2 max pool, configured by `convArch`.
import { ReLU } from "../nn/activation.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { Dropout } from "../nn/dropout.js";
import { Flatten } from "../nn/flatten.js";
import { Linear } from "../nn/linear.js";
import type { Module } from "../nn/module.js";
import { MaxPool2d } from "../nn/pool.js";
import { type ModelOptions, modelOptions } from "./lenet.js";

/** `[numConvs, outChannels]` per block. */
export type ConvArch = readonly (readonly [number, number])[];

/** VGG-11's architecture: 8 convolutions in 5 blocks (plus 3 linear layers). Example: `models.vgg(models.VGG11_ARCH)`. */
export const VGG11_ARCH: ConvArch = [
  [1, 64],
  [1, 128],
  [2, 256],
  [2, 512],
  [2, 512],
];

/**
 * `numConvs` 3x3 convolutions with ReLU, then a 2x2 max pool that halves H and W.
 * Example: `models.vggBlock(2, 3, 128)`.
 */
export function vggBlock(numConvs: number, inChannels: number, outChannels: number): Sequential {
  const layers: Module[] = [];
  let c = inChannels;
  for (let i = 0; i < numConvs; i++) {
    layers.push(new Conv2d(c, outChannels, 3, { padding: 1 }), new ReLU());
    c = outChannels;
  }
  layers.push(new MaxPool2d(2, { stride: 2 }));
  return new Sequential<Module[]>(...layers);
}

/**
 * VGG for 224x224 inputs: the blocks of `convArch`, then two 4096-unit layers with dropout.
 * Example: `models.vgg(models.VGG11_ARCH)`.
 */
export function vgg(convArch: ConvArch, opts: ModelOptions = {}): Sequential {
  const { numClasses, inChannels } = modelOptions(opts);
  const blocks: Module[] = [];
  let c = inChannels;
  for (const [numConvs, outChannels] of convArch) {
    blocks.push(vggBlock(numConvs, c, outChannels));
    c = outChannels;
  }
  return new Sequential<Module[]>(
    ...blocks,
    new Flatten(),
    new Linear(c * 7 * 7, 4096),
    new ReLU(),
    new Dropout(0.5),
    new Linear(4096, 4096),
    new ReLU(),
    new Dropout(0.5),
    new Linear(4096, numClasses),
  );
}

/** VGG-11. Example: `models.vgg11().forward(nb.randn([1, 1, 224, 224]))`. */
export function vgg11(opts: ModelOptions = {}): Sequential {
  return vgg(VGG11_ARCH, opts);
}

/**
 * The VGG-11 the book trains: every block's channels divided by `ratio` (4), so it trains on
 * Fashion-MNIST in reasonable time. Example: `models.smallVgg11()`.
 */
export function smallVgg11(opts: ModelOptions & { ratio?: number } = {}): Sequential {
  const ratio = opts.ratio ?? 4;
  return vgg(
    VGG11_ARCH.map(([n, c]) => [n, Math.floor(c / ratio)] as const),
    opts,
  );
}
