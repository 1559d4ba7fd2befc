// d2l 4.4 "Softmax Regression Implementation from Scratch", on three Gaussian clusters in 2-D.
import assert from "node:assert/strict";
import * as nb from "nabla";

/** Softmax written out: exp, then normalise each row. Example: `softmax(nb.randn([2, 5]))`. */
export function softmax(X: nb.Tensor): nb.Tensor {
  const Xexp = X.exp();
  const partition = Xexp.sum(1, true);
  return Xexp.div(partition); // broadcasting
}

/** Cross-entropy: -log of the probability of the true class. Example: `crossEntropy(yHat, y)`. */
export const crossEntropy = (yHat: nb.Tensor, y: nb.Tensor): nb.Tensor =>
  yHat.gather(1, y.unsqueeze(1)).squeeze(1).log().neg();

/** The number of correct predictions. Example: `accuracy(yHat, y) / y.numel()`. */
export function accuracy(yHat: nb.Tensor, y: nb.Tensor): number {
  return yHat.argmax(1).eq(y).sum().item();
}

/** Minibatch SGD. Example: `sgd([W, b], 0.1, 10)`. */
export function sgd(params: nb.Tensor[], lr: number, batchSize: number): void {
  nb.noGrad(() => {
    for (const p of params) {
      p.sub_(p.grad!.mul(lr / batchSize));
      p.grad!.zero_();
    }
  });
}

/** 100 points around each of three centres, with int32 labels. Example: `clusters()`. */
export function clusters(): [nb.Tensor, nb.Tensor] {
  const centres = nb.tensor([
    [0, 3],
    [-3, -2],
    [3, -2],
  ]);
  const perClass = 100;
  const X = nb.cat([0, 1, 2].map((c) => nb.randn([perClass, 2]).mul(0.7).add(centres.get(c))));
  const y = nb.cat([0, 1, 2].map((c) => nb.full([perClass], c, { dtype: "int32" })));
  return [X, y];
}

/** Trains softmax regression and checks the training accuracy. Example: `main()`. */
export function main(log: (...args: unknown[]) => void = console.log): { accuracy: number } {
  nb.manualSeed(0);
  const [features, labels] = clusters();
  const numInputs = 2;
  const numOutputs = 3;
  const W = nb.normal(0, 0.01, [numInputs, numOutputs], { requiresGrad: true });
  const b = nb.zeros([numOutputs], { requiresGrad: true });
  const net = (X: nb.Tensor) => softmax(nb.matmul(X.reshape(-1, W.shape[0]), W).add(b));

  const X0 = nb.normal(0, 1, [2, 5]);
  const prob = softmax(X0);
  log(prob.toString(), prob.sum(1).toString());

  const batchSize = 10;
  const lr = 0.1;
  const n = features.shape[0];
  for (let epoch = 0; epoch < 10; epoch++) {
    const order = nb.randperm(n);
    let lossSum = 0;
    for (let i = 0; i < n; i += batchSize) {
      const idx = order.get(`${i}:${i + batchSize}`);
      const X = features.get(idx);
      const y = labels.get(idx);
      const l = crossEntropy(net(X), y);
      l.sum().backward();
      sgd([W, b], lr, batchSize);
      lossSum += l.sum().item();
    }
    const acc = nb.noGrad(() => accuracy(net(features), labels)) / n;
    log(`epoch ${epoch + 1}, loss ${(lossSum / n).toFixed(4)}, train acc ${acc.toFixed(3)}`);
  }
  const acc = nb.noGrad(() => accuracy(net(features), labels)) / n;
  assert.ok(acc >= 0.95, `training accuracy ${acc}`);
  return { accuracy: acc };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
