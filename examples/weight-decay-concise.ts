// d2l 3.7 "Weight Decay", concise: 200 inputs, 20 training examples, weight decay only on the
// weight through a parameter group. Without decay the model overfits (train loss ~0, test loss
// large); with weightDecay 3 the weight's norm stays small.
import assert from "node:assert/strict";
import * as nb from "nabla";
import { nn, optim } from "nabla";
import { minibatches, syntheticData } from "./linear-regression-concise.js";

const [numInputs, nTrain, nTest, batchSize] = [200, 20, 100, 5];

/** Trains Linear(200, 1) from N(0, 1) parameters for 100 epochs; returns the losses and ||w||. */
export function trainConcise(wd: number) {
  nb.manualSeed(7);
  const trueW = nb.full([numInputs], 0.01);
  const [trainX, trainY] = syntheticData(trueW, 0.05, nTrain);
  const [testX, testY] = syntheticData(trueW, 0.05, nTest);
  const net = new nn.Sequential(new nn.Linear(numInputs, 1));
  for (const param of net.parameters()) nn.init.normal_(param);
  const loss = new nn.MSELoss({ reduction: "none" });
  const trainer = new optim.SGD(
    [{ params: net.at(0).weight, weightDecay: wd }, { params: net.at(0).bias! }],
    { lr: 0.003 },
  );
  for (let epoch = 0; epoch < 100; epoch++) {
    for (const [X, y] of minibatches(trainX, trainY, batchSize)) {
      trainer.zeroGrad();
      loss.forward(net.forward(X), y).mean().backward();
      trainer.step();
    }
  }
  const evaluate = (X: nb.Tensor, y: nb.Tensor) =>
    nb.noGrad(() => loss.forward(net.forward(X), y).mean().item());
  return {
    trainLoss: evaluate(trainX, trainY),
    testLoss: evaluate(testX, testY),
    wNorm: net.at(0).weight.norm().item(),
  };
}

/** Runs both settings and asserts the overfitting and its cure. */
export function main(log: (...args: unknown[]) => void = console.log) {
  const plain = trainConcise(0);
  log(`weightDecay 0: train ${plain.trainLoss}, test ${plain.testLoss}, ||w|| ${plain.wNorm}`);
  assert.ok(plain.trainLoss < 1e-3, `train loss ${plain.trainLoss}`);
  assert.ok(plain.testLoss > 10, `test loss ${plain.testLoss}`);
  const decayed = trainConcise(3);
  log(
    `weightDecay 3: train ${decayed.trainLoss}, test ${decayed.testLoss}, ||w|| ${decayed.wNorm}`,
  );
  assert.ok(decayed.wNorm < 1, `L2 norm of w ${decayed.wNorm}`);
  return { plain, decayed };
}

if (import.meta.url === `file://${process.argv[1]}`) main();
