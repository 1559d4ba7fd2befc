// GoogLeNet (d2l 7.4): Inception blocks of four parallel paths concatenated on the channel axis.
import { relu } from "../ops/elementwise.js";
import { cat } from "../ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ReLU } from "../nn/activation.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { Flatten } from "../nn/flatten.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pool.js";
import { type ModelOptions, modelOptions } from "./lenet.js";

/**
 * An Inception block: a 1x1 conv (`c1`); 1x1 then 3x3 (`c2`); 1x1 then 5x5 (`c3`); 3x3 max pool
 * then 1x1 (`c4`). Output channels `c1 + c2[1] + c3[1] + c4`, same H and W.
 * Example: `new models.Inception(192, 64, [96, 128], [16, 32], 32)` gives 256 channels.
 */
export class Inception extends Module {
  p1_1: Conv2d;
  p2_1: Conv2d;
  p2_2: Conv2d;
  p3_1: Conv2d;
  p3_2: Conv2d;
  p4_1: MaxPool2d;
  p4_2: Conv2d;

  constructor(
    inChannels: number,
    c1: number,
    c2: readonly [number, number],
    c3: readonly [number, number],
    c4: number,
  ) {
    super();
    this.p1_1 = new Conv2d(inChannels, c1, 1);
    this.p2_1 = new Conv2d(inChannels, c2[0], 1);
    this.p2_2 = new Conv2d(c2[0], c2[1], 3, { padding: 1 });
    this.p3_1 = new Conv2d(inChannels, c3[0], 1);
    this.p3_2 = new Conv2d(c3[0], c3[1], 5, { padding: 2 });
    this.p4_1 = new MaxPool2d(3, { stride: 1, padding: 1 });
    this.p4_2 = new Conv2d(inChannels, c4, 1);
  }

  override forward(x: Tensor): Tensor {
    const p1 = relu(this.p1_1.forward(x));
    const p2 = relu(this.p2_2.forward(relu(this.p2_1.forward(x))));
    const p3 = relu(this.p3_2.forward(relu(this.p3_1.forward(x))));
    const p4 = relu(this.p4_2.forward(this.p4_1.forward(x)));
    return cat([p1, p2, p3, p4], 1);
  }
}

/**
 * GoogLeNet for 96x96 inputs (the book's resize): five stages, global average pooling, one
 * linear layer. Example: `models.googlenet().forward(nb.randn([1, 1, 96, 96]))` is `[1, 10]`.
 */
export function googlenet(opts: ModelOptions = {}): Sequential {
  const { numClasses, inChannels } = modelOptions(opts);
  const b1 = new Sequential<Module[]>(
    new Conv2d(inChannels, 64, 7, { stride: 2, padding: 3 }),
    new ReLU(),
    new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  const b2 = new Sequential<Module[]>(
    new Conv2d(64, 64, 1),
    new ReLU(),
    new Conv2d(64, 192, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  const b3 = new Sequential<Module[]>(
    new Inception(192, 64, [96, 128], [16, 32], 32),
    new Inception(256, 128, [128, 192], [32, 96], 64),
    new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  const b4 = new Sequential<Module[]>(
    new Inception(480, 192, [96, 208], [16, 48], 64),
    new Inception(512, 160, [112, 224], [24, 64], 64),
    new Inception(512, 128, [128, 256], [24, 64], 64),
    new Inception(512, 112, [144, 288], [32, 64], 64),
    new Inception(528, 256, [160, 320], [32, 128], 128),
    new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  const b5 = new Sequential<Module[]>(
    new Inception(832, 256, [160, 320], [32, 128], 128),
    new Inception(832, 384, [192, 384], [48, 128], 128),
    new AdaptiveAvgPool2d([1, 1]),
    new Flatten(),
  );
  return new Sequential<Module[]>(b1, b2, b3, b4, b5, new Linear(1024, numClasses));
}
