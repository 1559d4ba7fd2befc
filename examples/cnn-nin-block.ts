// d2l 7.3 "Network in Network (NiN)": `nin_block` (a convolution and two 1x1 convolutions) and
// the network built from it, walked layer by layer as in the book.
import assert from "node:assert/strict";
import * as nb from "nabla";
import { models, nn } from "nabla";

/** The book's `nin_block`. */
export function ninBlock(
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  strides: number,
  padding: number,
): nn.Sequential {
  return new nn.Sequential<nn.Module[]>(
    new nn.Conv2d(inChannels, outChannels, kernelSize, { stride: strides, padding }),
    new nn.ReLU(),
    new nn.Conv2d(outChannels, outChannels, 1),
    new nn.ReLU(),
    new nn.Conv2d(outChannels, outChannels, 1),
    new nn.ReLU(),
  );
}

/** Runs the section: the book's shape walk for a 1x1x224x224 input. */
export function main(log: (...args: unknown[]) => void = console.log): { shapes: number[][] } {
  nb.manualSeed(0);
  const net = new nn.Sequential<nn.Module[]>(
    ninBlock(1, 96, 11, 4, 0),
    new nn.MaxPool2d(3, { stride: 2 }),
    ninBlock(96, 256, 5, 1, 2),
    new nn.MaxPool2d(3, { stride: 2 }),
    ninBlock(256, 384, 3, 1, 1),
    new nn.MaxPool2d(3, { stride: 2 }),
    new nn.Dropout(0.5),
    // There are 10 label classes: the last block has one channel per class.
    ninBlock(384, 10, 3, 1, 1),
    new nn.AdaptiveAvgPool2d([1, 1]),
    new nn.Flatten(),
  );
  let X = nb.rand([1, 1, 224, 224]);
  const shapes: number[][] = [];
  nb.noGrad(() => {
    for (const layer of net) {
      X = layer.forward(X);
      log(`${layer.constructor.name} output shape:\t`, X.shape);
      shapes.push(X.shape.slice());
    }
  });
  assert.deepEqual(shapes, [
    [1, 96, 54, 54],
    [1, 96, 26, 26],
    [1, 256, 26, 26],
    [1, 256, 12, 12],
    [1, 384, 12, 12],
    [1, 384, 5, 5],
    [1, 384, 5, 5],
    [1, 10, 5, 5],
    [1, 10, 1, 1],
    [1, 10],
  ]);
  // The library's NiN has the same layers and keys.
  assert.deepEqual(Object.keys(net.stateDict()), Object.keys(models.nin().stateDict()));
  return { shapes };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
