// d2l 12.3 and 12.6 (train_2d): gradient descent and momentum on f(x1, x2) = 0.1 x1^2 + 2 x2^2
// from (-5, -2) for 20 steps, run through optim.SGD.
import assert from "node:assert/strict";
import * as nb from "nabla";
import { optim } from "nabla";

/** Runs 20 steps of SGD with the given options from (-5, -2); returns the final point. */
export function trajectory(options: { lr: number; momentum?: number }): [number, number] {
  const x = nb.tensor([-5, -2], { dtype: "float64", requiresGrad: true });
  const opt = new optim.SGD([x], options);
  const scale = nb.tensor([0.1, 2], { dtype: "float64" });
  for (let i = 0; i < 20; i++) {
    opt.zeroGrad();
    x.square().mul(scale).sum().backward();
    opt.step();
  }
  const [x1, x2] = x.data();
  return [x1, x2];
}

/** Asserts the book's end points to 5 decimals. */
export function main(log: (...args: unknown[]) => void = console.log) {
  const gd = trajectory({ lr: 0.4 });
  log(`gradient descent, eta 0.4: epoch 20, x1: ${gd[0].toFixed(6)}, x2: ${gd[1].toFixed(6)}`);
  const momentum = trajectory({ lr: 0.6, momentum: 0.5 });
  log(
    `momentum, eta 0.6, beta 0.5: epoch 20, x1: ${momentum[0].toFixed(6)}, x2: ${momentum[1].toFixed(6)}`,
  );
  const close = (a: number, b: number) => Math.abs(a - b) < 5e-6;
  assert.ok(close(gd[0], -0.943467) && close(gd[1], -0.000073), `gd ended at ${gd}`);
  assert.ok(
    close(momentum[0], 0.007188) && close(momentum[1], 0.002553),
    `momentum ended at ${momentum}`,
  );
  return { gd, momentum };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
