// d2l 3.5 "Concise Implementation of Linear Regression": nn.Sequential(nn.Linear(2, 1)),
// nn.MSELoss and optim.SGD on synthetic data with true_w = [2, -3.4], true_b = 4.2.
import assert from "node:assert/strict";
import * as nb from "nabla";
import { nn, optim, type Tensor } from "nabla";

/** X ~ N(0, 1) of shape [n, w.length] and y = X w + b + N(0, 0.01^2) of shape [n, 1]. */
export function syntheticData(w: Tensor, b: number, n: number): [Tensor, Tensor] {
  const X = nb.randn([n, w.shape[0]]);
  const y = X.matmul(w.reshape(-1, 1))
    .add(b)
    .add(nb.normal(0, 0.01, [n, 1]));
  return [X, y];
}

/** Shuffled minibatches of (X, y). */
export function* minibatches(X: Tensor, y: Tensor, batchSize: number): Generator<[Tensor, Tensor]> {
  const n = X.shape[0];
  const order = nb.randperm(n);
  for (let i = 0; i < n; i += batchSize) {
    const idx = order.narrow(0, i, Math.min(batchSize, n - i));
    yield [X.indexSelect(0, idx), y.indexSelect(0, idx)];
  }
}

/** Trains for 3 epochs and returns the errors of the learned w and b. */
export function main(log: (...args: unknown[]) => void = console.log): {
  wError: number[];
  bError: number;
} {
  nb.manualSeed(42);
  const trueW = nb.tensor([2, -3.4]);
  const trueB = 4.2;
  const [features, labels] = syntheticData(trueW, trueB, 1000);

  const net = new nn.Sequential(new nn.Linear(2, 1));
  nn.init.normal_(net.at(0).weight, 0, 0.01);
  nn.init.zeros_(net.at(0).bias!);
  const loss = new nn.MSELoss();
  const trainer = new optim.SGD(net.parameters(), { lr: 0.03 });

  for (let epoch = 1; epoch <= 3; epoch++) {
    for (const [X, y] of minibatches(features, labels, 10)) {
      const l = loss.forward(net.forward(X), y);
      trainer.zeroGrad();
      l.backward();
      trainer.step();
    }
    const l = nb.noGrad(() => loss.forward(net.forward(features), labels));
    log(`epoch ${epoch}, loss ${l.item().toFixed(6)}`);
  }
  const w = net.at(0).weight.detach().reshape(-1);
  const wError = Array.from(trueW.sub(w).data());
  const bError = trueB - net.at(0).bias!.item();
  log(`error in estimating w: ${wError}`);
  log(`error in estimating b: ${bError}`);
  for (const e of wError) assert.ok(Math.abs(e) < 0.01, `w error ${e}`);
  assert.ok(Math.abs(bError) < 0.01, `b error ${bError}`);
  return { wError, bError };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
