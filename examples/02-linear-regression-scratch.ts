// d2l 3.2 "Linear Regression Implementation from Scratch", written the way the book writes it.
import assert from "node:assert/strict";
import * as nb from "nabla";

/** Generates y = Xw + b + noise. Example: `syntheticData(nb.tensor([2, -3.4]), 4.2, 1000)`. */
export function syntheticData(
  w: nb.Tensor,
  b: number,
  numExamples: number,
): [nb.Tensor, nb.Tensor] {
  const X = nb.normal(0, 1, [numExamples, w.numel()]);
  let y = nb.matmul(X, w).add(b);
  y = y.add(nb.normal(0, 0.01, y.shape.slice()));
  return [X, y.reshape(-1, 1)];
}

/** Yields shuffled minibatches. Example: `for (const [X, y] of dataIter(10, features, labels))`. */
export function* dataIter(
  batchSize: number,
  features: nb.Tensor,
  labels: nb.Tensor,
): Generator<[nb.Tensor, nb.Tensor]> {
  const numExamples = features.shape[0];
  const indices = nb.randperm(numExamples);
  for (let i = 0; i < numExamples; i += batchSize) {
    const batch = indices.get(`${i}:${Math.min(i + batchSize, numExamples)}`);
    yield [features.get(batch), labels.get(batch)];
  }
}

/** The linear regression model. Example: `linreg(X, w, b)`. */
export const linreg = (X: nb.Tensor, w: nb.Tensor, b: nb.Tensor): nb.Tensor =>
  nb.matmul(X, w).add(b);

/** Squared loss (per example). Example: `squaredLoss(yHat, y).sum()`. */
export const squaredLoss = (yHat: nb.Tensor, y: nb.Tensor): nb.Tensor =>
  yHat.sub(y.reshape(yHat.shape.slice())).pow(2).div(2);

/** Minibatch stochastic gradient descent. Example: `sgd([w, b], 0.03, 10)`. */
export function sgd(params: nb.Tensor[], lr: number, batchSize: number): void {
  nb.noGrad(() => {
    for (const param of params) {
      param.sub_(param.grad!.mul(lr / batchSize));
      param.grad!.zero_();
    }
  });
}

/** Trains and checks the recovered parameters. Example: `main()`. */
export function main(log: (...args: unknown[]) => void = console.log): {
  wError: number[];
  bError: number;
} {
  nb.manualSeed(42);
  const trueW = nb.tensor([2, -3.4]);
  const trueB = 4.2;
  const [features, labels] = syntheticData(trueW, trueB, 1000);
  log("features:", features.get(0).toString(), "\nlabel:", labels.get(0).toString());

  const w = nb.normal(0, 0.01, [2, 1], { requiresGrad: true });
  const b = nb.zeros([1], { requiresGrad: true });
  const lr = 0.03;
  const numEpochs = 3;
  const batchSize = 10;
  for (let epoch = 0; epoch < numEpochs; epoch++) {
    for (const [X, y] of dataIter(batchSize, features, labels)) {
      const l = squaredLoss(linreg(X, w, b), y);
      l.sum().backward();
      sgd([w, b], lr, batchSize);
    }
    const trainL = nb.noGrad(() => squaredLoss(linreg(features, w, b), labels));
    log(`epoch ${epoch + 1}, loss ${trainL.mean().item().toFixed(6)}`);
  }
  const wError = trueW.sub(w.reshape(trueW.shape.slice())).detach();
  const bError = trueB - b.item();
  log(`error in estimating w: ${wError}`);
  log(`error in estimating b: ${bError.toFixed(4)}`);
  const wErr = wError.toArray() as number[];
  assert.ok(
    wErr.every((e) => Math.abs(e) < 0.01),
    `w error ${wErr}`,
  );
  assert.ok(Math.abs(bError) < 0.01, `b error ${bError}`);
  return { wError: wErr, bError };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
