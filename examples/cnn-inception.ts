// d2l 7.4 "Networks with Parallel Concatenations (GoogLeNet)": the Inception block written as in
// the book, its output channels, and its agreement with nabla's models.Inception.
import assert from "node:assert/strict";
import * as nb from "nabla";
import { F, models, nn, type Tensor } from "nabla";

/** Four parallel paths, concatenated on the channel axis. `c2` and `c3` are (reduce, out) pairs. */
export class Inception extends nn.Module {
  p1_1: nn.Conv2d;
  p2_1: nn.Conv2d;
  p2_2: nn.Conv2d;
  p3_1: nn.Conv2d;
  p3_2: nn.Conv2d;
  p4_1: nn.MaxPool2d;
  p4_2: nn.Conv2d;
  constructor(
    inChannels: number,
    c1: number,
    c2: [number, number],
    c3: [number, number],
    c4: number,
  ) {
    super();
    // Path 1: a single 1x1 convolution.
    this.p1_1 = new nn.Conv2d(inChannels, c1, 1);
    // Path 2: 1x1 to reduce the channels, then 3x3.
    this.p2_1 = new nn.Conv2d(inChannels, c2[0], 1);
    this.p2_2 = new nn.Conv2d(c2[0], c2[1], 3, { padding: 1 });
    // Path 3: 1x1, then 5x5.
    this.p3_1 = new nn.Conv2d(inChannels, c3[0], 1);
    this.p3_2 = new nn.Conv2d(c3[0], c3[1], 5, { padding: 2 });
    // Path 4: 3x3 max pooling, then 1x1.
    this.p4_1 = new nn.MaxPool2d(3, { stride: 1, padding: 1 });
    this.p4_2 = new nn.Conv2d(inChannels, c4, 1);
  }
  override forward(x: Tensor): Tensor {
    const p1 = F.relu(this.p1_1.forward(x));
    const p2 = F.relu(this.p2_2.forward(F.relu(this.p2_1.forward(x))));
    const p3 = F.relu(this.p3_2.forward(F.relu(this.p3_1.forward(x))));
    const p4 = F.relu(this.p4_2.forward(this.p4_1.forward(x)));
    return nb.cat([p1, p2, p3, p4], 1);
  }
}

/** Runs the section: the first Inception of stage 3 maps 192 channels to 64 + 128 + 32 + 32 = 256. */
export function main(log: (...args: unknown[]) => void = console.log): { channels: number } {
  nb.manualSeed(0);
  const block = new Inception(192, 64, [96, 128], [16, 32], 32);
  const X = nb.randn([1, 192, 12, 12]);
  const Y = block.forward(X);
  log("Inception output shape:", Y.shape);
  assert.deepEqual(Y.shape, [1, 256, 12, 12]);

  // Same keys as the library's block, so weights move between them (and to PyTorch).
  const library = new models.Inception(192, 64, [96, 128], [16, 32], 32);
  assert.deepEqual(Object.keys(block.stateDict()), Object.keys(library.stateDict()));
  library.loadStateDict(block.stateDict());
  const diff = library.forward(X).sub(Y).abs().max().item();
  assert.equal(diff, 0);

  // Gradients flow through all four paths.
  Y.sum().backward();
  for (const [name, p] of block.namedParameters())
    assert.ok(p.grad !== null, `${name} has no gradient`);
  return { channels: Y.shape[1] };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
