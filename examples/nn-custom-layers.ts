// d2l 6.5 "Custom Layers": a layer without parameters (CenteredLayer) and one with registered
// parameters (MyLinear), used on their own and inside Sequential.
import assert from "node:assert/strict";
import * as nb from "nabla";
import { F, nn, type Tensor } from "nabla";

/** Subtracts the mean: no parameters. */
export class CenteredLayer extends nn.Module {
  override forward(X: Tensor): Tensor {
    return X.sub(X.mean());
  }
}

/** A fully connected layer with its own weight and bias, followed by ReLU. */
export class MyLinear extends nn.Module {
  declare weight: nn.Parameter;
  declare bias: nn.Parameter;
  constructor(inUnits: number, units: number) {
    super();
    this.registerParameter("weight", new nn.Parameter(nb.randn([inUnits, units])));
    this.registerParameter("bias", new nn.Parameter(nb.randn([units])));
  }
  override forward(X: Tensor): Tensor {
    return F.relu(X.matmul(this.weight).add(this.bias));
  }
}

/** Runs the section, asserting what the book shows. */
export function main(log: (...args: unknown[]) => void = console.log): { centeredMean: number } {
  nb.manualSeed(0);
  const layer = new CenteredLayer();
  const centered = layer.forward(nb.tensor([1, 2, 3, 4, 5]));
  log(centered.toString());
  assert.deepEqual(centered.toArray(), [-2, -1, 0, 1, 2]);

  const net = new nn.Sequential(new nn.Linear(8, 128), new CenteredLayer());
  const Y = net.forward(nb.rand([4, 8]));
  const centeredMean = Y.mean().item();
  log(centeredMean);
  assert.ok(Math.abs(centeredMean) < 1e-6, `mean ${centeredMean} should be about 0`);
  assert.equal(layer.parameters().length, 0);

  const linear = new MyLinear(5, 3);
  log(linear.weight.toString());
  assert.deepEqual(linear.weight.shape, [5, 3]);
  assert.deepEqual(Object.keys(linear.stateDict()), ["weight", "bias"]);
  const out = linear.forward(nb.rand([2, 5]));
  assert.deepEqual(out.shape, [2, 3]);
  assert.ok(out.min().item() >= 0);

  const stacked = new nn.Sequential(new MyLinear(64, 8), new MyLinear(8, 1));
  assert.deepEqual(stacked.forward(nb.rand([2, 64])).shape, [2, 1]);
  assert.equal(stacked.parameters().length, 4);
  assert.equal(String(stacked), "Sequential(\n  (0): MyLinear()\n  (1): MyLinear()\n)");
  return { centeredMean };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
