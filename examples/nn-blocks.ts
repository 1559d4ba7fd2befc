// d2l 6.1 "Layers and Modules": an MLP block, a hand-written Sequential, a block with constant
// parameters and control flow, and nested blocks mixed freely (the chimera).
import assert from "node:assert/strict";
import * as nb from "nabla";
import { F, nn, type Tensor } from "nabla";

/** The MLP block: a hidden layer of 256 units and a 10-unit output layer. */
export class MLP extends nn.Module {
  hidden = new nn.Linear(20, 256);
  out = new nn.Linear(256, 10);
  override forward(X: Tensor): Tensor {
    return this.out.forward(F.relu(this.hidden.forward(X)));
  }
}

/** A Sequential written by hand: modules are stored under their index. */
export class MySequential extends nn.Module {
  constructor(...modules: nn.Module[]) {
    super();
    modules.forEach((module, idx) => this.addModule(String(idx), module));
  }
  override forward(X: Tensor): Tensor {
    for (const module of this.children()) X = module.forward(X);
    return X;
  }
}

/** A constant random weight (not a parameter), one layer used twice, and a while loop. */
export class FixedHiddenMLP extends nn.Module {
  randWeight = nb.rand([20, 20]); // a plain tensor: no gradient, not in the state dict
  linear = new nn.Linear(20, 20);
  override forward(X: Tensor): Tensor {
    X = this.linear.forward(X);
    X = F.relu(X.mm(this.randWeight).add(1));
    X = this.linear.forward(X); // the same parameters again
    while (X.abs().sum().item() > 1) X.div_(2); // X /= 2
    return X.sum();
  }
}

/** A block whose child is itself a Sequential. */
export class NestMLP extends nn.Module {
  net = new nn.Sequential(
    new nn.Linear(20, 64),
    new nn.ReLU(),
    new nn.Linear(64, 32),
    new nn.ReLU(),
  );
  linear = new nn.Linear(32, 16);
  override forward(X: Tensor): Tensor {
    return this.linear.forward(this.net.forward(X));
  }
}

const CHIMERA = `Sequential(
  (0): NestMLP(
    (net): Sequential(
      (0): Linear(in_features=20, out_features=64, bias=True)
      (1): ReLU()
      (2): Linear(in_features=64, out_features=32, bias=True)
      (3): ReLU()
    )
    (linear): Linear(in_features=32, out_features=16, bias=True)
  )
  (1): Linear(in_features=16, out_features=20, bias=True)
  (2): FixedHiddenMLP(
    (linear): Linear(in_features=20, out_features=20, bias=True)
  )
)`;

/** Runs the section's blocks, asserting shapes, parameters and the printed tree. */
export function main(log: (...args: unknown[]) => void = console.log): { chimera: number } {
  nb.manualSeed(0);
  const X = nb.rand([2, 20]);

  const net = new nn.Sequential(new nn.Linear(20, 256), new nn.ReLU(), new nn.Linear(256, 10));
  assert.deepEqual(net.forward(X).shape, [2, 10]);

  const mlp = new MLP();
  log(mlp.forward(X).toString());
  assert.deepEqual(mlp.forward(X).shape, [2, 10]);
  assert.deepEqual(
    mlp.namedParameters().map(([name, p]) => [name, p.shape]),
    [
      ["hidden.weight", [256, 20]],
      ["hidden.bias", [256]],
      ["out.weight", [10, 256]],
      ["out.bias", [10]],
    ],
  );

  // MySequential runs the same layers as nn.Sequential, in the same order.
  const mine = new MySequential(net.at(0), net.at(1), net.at(2));
  assert.deepEqual(mine.forward(X).toArray(), net.forward(X).toArray());
  assert.deepEqual(Object.keys(mine.stateDict()), ["0.weight", "0.bias", "2.weight", "2.bias"]);

  const fixed = new FixedHiddenMLP();
  const y = fixed.forward(X);
  log(y.toString());
  assert.ok(Math.abs(y.item()) <= 1);
  assert.equal(fixed.parameters().length, 2, "randWeight is not a parameter");
  assert.deepEqual(Object.keys(fixed.stateDict()), ["linear.weight", "linear.bias"]);
  y.backward();
  assert.ok(fixed.linear.weight.grad !== null);

  const chimera = new nn.Sequential(new NestMLP(), new nn.Linear(16, 20), new FixedHiddenMLP());
  const z = chimera.forward(X);
  log(z.toString());
  log(String(chimera));
  assert.equal(String(chimera), CHIMERA);
  assert.deepEqual(z.shape, []);
  assert.ok(Math.abs(z.item()) <= 1);
  return { chimera: z.item() };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
