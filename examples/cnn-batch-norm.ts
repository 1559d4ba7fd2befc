// d2l 7.5 "Batch Normalization" from scratch: the `batch_norm` function and the `BatchNorm`
// module written with tensor ops, in training and prediction mode, checked against nn.BatchNorm2d,
// and the book's LeNet with the hand-written layer.
import assert from "node:assert/strict";
import * as nb from "nabla";
import { F, nn, optim, type Tensor } from "nabla";

/**
 * The book's `batch_norm`: batch statistics while recording gradients (training), the moving
 * averages otherwise (prediction). Returns `[Y, movingMean, movingVar]`.
 */
export function batchNorm(
  X: Tensor,
  gamma: Tensor,
  beta: Tensor,
  movingMean: Tensor,
  movingVar: Tensor,
  eps: number,
  momentum: number,
): [Tensor, Tensor, Tensor] {
  let XHat: Tensor;
  if (!nb.isGradEnabled()) {
    // Prediction mode: the moving averages stand in for the batch statistics.
    XHat = X.sub(movingMean).div(movingVar.add(eps).sqrt());
  } else {
    assert.ok(X.ndim === 2 || X.ndim === 4);
    let mean: Tensor;
    let variance: Tensor;
    if (X.ndim === 2) {
      // Fully connected: statistics per feature.
      mean = X.mean(0);
      variance = X.sub(mean).pow(2).mean(0);
    } else {
      // Convolutional: statistics per channel, over the batch and all positions.
      mean = X.mean([0, 2, 3], true);
      variance = X.sub(mean).pow(2).mean([0, 2, 3], true);
    }
    XHat = X.sub(mean).div(variance.add(eps).sqrt());
    movingMean = movingMean.mul(momentum).add(mean.mul(1 - momentum));
    movingVar = movingVar.mul(momentum).add(variance.mul(1 - momentum));
  }
  const Y = gamma.mul(XHat).add(beta);
  return [Y, movingMean.detach(), movingVar.detach()];
}

/** The book's `BatchNorm` layer: scale and shift are parameters, the moving averages are not. */
export class BatchNorm extends nn.Module {
  gamma: nn.Parameter;
  beta: nn.Parameter;
  movingMean: Tensor;
  movingVar: Tensor;
  constructor(numFeatures: number, numDims: 2 | 4) {
    super();
    const shape = numDims === 2 ? [1, numFeatures] : [1, numFeatures, 1, 1];
    this.gamma = new nn.Parameter(nb.ones(shape));
    this.beta = new nn.Parameter(nb.zeros(shape));
    this.movingMean = nb.zeros(shape);
    this.movingVar = nb.ones(shape);
  }
  override forward(X: Tensor): Tensor {
    const [Y, mean, variance] = batchNorm(
      X,
      this.gamma,
      this.beta,
      this.movingMean,
      this.movingVar,
      1e-5,
      0.9,
    );
    this.movingMean = mean;
    this.movingVar = variance;
    return Y;
  }
}

/** LeNet with the hand-written BatchNorm after each convolution and hidden linear layer. */
export function scratchLenetBN(): nn.Sequential {
  return new nn.Sequential<nn.Module[]>(
    new nn.Conv2d(1, 6, 5),
    new BatchNorm(6, 4),
    new nn.Sigmoid(),
    new nn.AvgPool2d(2, { stride: 2 }),
    new nn.Conv2d(6, 16, 5),
    new BatchNorm(16, 4),
    new nn.Sigmoid(),
    new nn.AvgPool2d(2, { stride: 2 }),
    new nn.Flatten(),
    new nn.Linear(16 * 4 * 4, 120),
    new BatchNorm(120, 2),
    new nn.Sigmoid(),
    new nn.Linear(120, 84),
    new BatchNorm(84, 2),
    new nn.Sigmoid(),
    new nn.Linear(84, 10),
  );
}

/** True when every |a - b| <= atol + rtol |b|. */
function allclose(a: Tensor, b: Tensor, rtol: number, atol: number): boolean {
  const x = a.data();
  const y = b.data();
  return (
    x.length === y.length && x.every((v, i) => Math.abs(v - y[i]) <= atol + rtol * Math.abs(y[i]))
  );
}

/** Runs the section, asserting the scratch layer agrees with nn.BatchNorm2d. */
export function main(log: (...args: unknown[]) => void = console.log): {
  lossBefore: number;
  lossAfter: number;
} {
  nb.manualSeed(0);
  const X = nb.randn([4, 3, 5, 5]).mul(2).add(1);
  const mine = new BatchNorm(3, 4);
  const theirs = new nn.BatchNorm2d(3);

  // Training mode: both normalise with the batch's biased variance.
  const Y = mine.forward(X);
  assert.ok(allclose(Y, theirs.forward(X), 1e-4, 1e-5));
  // Moving averages: the book's momentum 0.9 is PyTorch's momentum 0.1; PyTorch keeps the
  // unbiased variance (n / (n - 1) of the biased one) where the book keeps the biased one.
  const n = 4 * 5 * 5;
  assert.ok(allclose(mine.movingMean.reshape([3]), theirs.runningMean!, 1e-5, 1e-6));
  const biasedPart = mine.movingVar
    .reshape([3])
    .sub(0.9)
    .mul(n / (n - 1))
    .add(0.9);
  assert.ok(allclose(biasedPart, theirs.runningVar!, 1e-5, 1e-5));
  log("moving mean", mine.movingMean.reshape([3]).toString());

  // Prediction mode: no gradient recording, so the moving averages are used.
  const Xtest = nb.randn([2, 3, 5, 5]);
  const pred = nb.noGrad(() => mine.forward(Xtest));
  const expected = Xtest.sub(mine.movingMean).div(mine.movingVar.add(1e-5).sqrt());
  assert.ok(allclose(pred, expected, 1e-5, 1e-6));
  theirs.eval();
  nb.noGrad(() => theirs.runningVar!.copy_(mine.movingVar.reshape([3])));
  assert.ok(allclose(theirs.forward(Xtest), pred, 1e-4, 1e-5));

  // The book's network with the scratch layer: a few SGD steps on one batch lower the loss.
  const net = scratchLenetBN();
  const images = nb.randn([16, 1, 28, 28]);
  const labels = nb.randint(0, 10, [16], { dtype: "int32" });
  const opt = new optim.SGD(net.parameters(), { lr: 1.0 });
  const lossBefore = F.crossEntropy(net.forward(images), labels).item();
  for (let i = 0; i < 5; i++) {
    opt.zeroGrad();
    F.crossEntropy(net.forward(images), labels).backward();
    opt.step();
  }
  const lossAfter = F.crossEntropy(net.forward(images), labels).item();
  log(`loss ${lossBefore.toFixed(3)} -> ${lossAfter.toFixed(3)}`);
  assert.ok(lossAfter < lossBefore);
  const bn = net.at(1) as BatchNorm;
  log("gamma", bn.gamma.reshape([-1]).toString(), "beta", bn.beta.reshape([-1]).toString());
  // The moving statistics are not parameters and not in the state dict, as in the book.
  assert.ok(!Object.keys(net.stateDict()).some((k) => k.includes("moving")));
  return { lossBefore, lossAfter };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
