// ResNet-18 with torchvision's module tree (`torchvision.models.resnet18`), so that its state dict
// has torchvision's keys and shapes and weights converted from torchvision load unchanged; the
// network d2l fine-tunes in 13.2. The d2l ResNet-18 of resnet.ts is the same architecture with
// other names (and biases on its convolutions).
import { add } from "../ops/elementwise.js";
import { flatten } from "../ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ReLU } from "../nn/activation.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { kaimingNormal_, ones_, zeros_ } from "../nn/init.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import { BatchNorm2d } from "../nn/normalization.js";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pool.js";

/** Options of torchvision's ResNets. Example: `{ numClasses: 2 }`. */
export interface ResNetOptions {
  /** Output classes (default 1000, ImageNet's). */
  numClasses?: number;
  /** Input channels (default 3, RGB; torchvision has no such option and always takes 3). */
  inChannels?: number;
  /** Start each block's last batch norm at zero, so each block starts as the identity (default false). */
  zeroInitResidual?: boolean;
}

/** A 3x3 convolution without bias, padding 1 (torchvision's `conv3x3`). */
const conv3x3 = (inPlanes: number, outPlanes: number, stride = 1) =>
  new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });

/**
 * torchvision's `BasicBlock`: `relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x))`, the
 * shortcut being x itself when `downsample` is null. Keys `conv1.weight`, `bn1.*`, `conv2.weight`,
 * `bn2.*`, `downsample.0.weight`, `downsample.1.*`.
 * Example: `new models.torchvision.BasicBlock(64, 64).forward(nb.randn([1, 64, 8, 8]))`.
 */
export class BasicBlock extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Module | null;
  readonly stride: number;

  constructor(inPlanes: number, planes: number, stride = 1, downsample: Module | null = null) {
    super();
    this.conv1 = conv3x3(inPlanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.relu = new ReLU();
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    const out = this.bn2.forward(
      this.conv2.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x)))),
    );
    const identity = this.downsample === null ? x : this.downsample.forward(x);
    return this.relu.forward(add(out, identity));
  }
}

/**
 * torchvision's `ResNet` built of `BasicBlock`s: a 7x7 stride-2 stem, a 3x3 max pool, four stages
 * (`layer1`..`layer4`, 64 to 512 channels), adaptive average pooling to 1x1 and `fc`.
 * Example: `new models.torchvision.ResNet([2, 2, 2, 2], { numClasses: 10 })` is ResNet-18.
 */
export class ResNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  maxpool: MaxPool2d;
  layer1: Sequential<BasicBlock[]>;
  layer2: Sequential<BasicBlock[]>;
  layer3: Sequential<BasicBlock[]>;
  layer4: Sequential<BasicBlock[]>;
  avgpool: AdaptiveAvgPool2d;
  fc: Linear;

  constructor(layers: readonly [number, number, number, number], options: ResNetOptions = {}) {
    super();
    const { numClasses = 1000, inChannels = 3, zeroInitResidual = false } = options;
    for (const [name, value] of Object.entries({ numClasses, inChannels }))
      if (!Number.isInteger(value) || value <= 0)
        throw new RangeError(`ResNet: ${name} must be a positive integer, got ${value}`);
    let inPlanes = 64;
    const makeLayer = (planes: number, blocks: number, stride = 1) => {
      // A 1x1 convolution on the shortcut wherever the block changes the shape.
      const downsample =
        stride !== 1 || inPlanes !== planes
          ? new Sequential(
              new Conv2d(inPlanes, planes, 1, { stride, bias: false }),
              new BatchNorm2d(planes),
            )
          : null;
      const list = [new BasicBlock(inPlanes, planes, stride, downsample)];
      inPlanes = planes;
      for (let i = 1; i < blocks; i++) list.push(new BasicBlock(inPlanes, planes));
      return new Sequential(...list);
    };
    this.conv1 = new Conv2d(inChannels, 64, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(64);
    this.relu = new ReLU();
    this.maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = makeLayer(64, layers[0]);
    this.layer2 = makeLayer(128, layers[1], 2);
    this.layer3 = makeLayer(256, layers[2], 2);
    this.layer4 = makeLayer(512, layers[3], 2);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc = new Linear(512, numClasses);
    this.#initialize(zeroInitResidual);
  }

  /** torchvision's init: He-normal (fan-out) convolutions, batch norms at 1 and 0, Linear's default. */
  #initialize(zeroInitResidual: boolean): void {
    for (const m of this.modules()) {
      if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
      else if (m instanceof BatchNorm2d) {
        ones_(m.weight!);
        zeros_(m.bias!);
      }
    }
    if (zeroInitResidual)
      for (const m of this.modules()) if (m instanceof BasicBlock) zeros_(m.bn2.weight!);
  }

  override forward(x: Tensor): Tensor {
    let y = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x))));
    y = this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(y))));
    return this.fc.forward(flatten(this.avgpool.forward(y), 1));
  }
}

/**
 * ResNet-18 exactly as `torchvision.models.resnet18(num_classes=...)`: the same module tree, so
 * `stateDict()` has torchvision's 122 keys and shapes, and torchvision's initialisation.
 * Example: `const net = models.torchvision.resnet18({ numClasses: 2 }); net.loadStateDict(converted);`
 */
export function resnet18(options: ResNetOptions = {}): ResNet {
  return new ResNet([2, 2, 2, 2], options);
}
