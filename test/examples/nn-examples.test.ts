// Runs the nn/optim examples (each asserts what the book shows) with their output silenced.
import assert from "node:assert/strict";
import { test } from "node:test";
import { main as linearRegression } from "../../examples/linear-regression-concise.js";
import { main as blocks } from "../../examples/nn-blocks.js";
import { main as customLayers } from "../../examples/nn-custom-layers.js";
import { main as parameters } from "../../examples/nn-parameters.js";
import { main as trajectories } from "../../examples/optimizer-trajectories.js";
import { main as weightDecay } from "../../examples/weight-decay-concise.js";

const quiet = () => {};

test("examples/nn-blocks: MLP, MySequential, FixedHiddenMLP, NestMLP and the chimera", () => {
  const { chimera } = blocks(quiet);
  assert.ok(Math.abs(chimera) <= 1);
});

test("examples/nn-parameters: access, rgnet's tree, initialisation, tied gradients", () => {
  const { tiedDiff } = parameters(quiet);
  assert.ok(tiedDiff < 1e-5);
});

test("examples/nn-custom-layers: CenteredLayer has mean ~0, MyLinear registers its parameters", () => {
  const { centeredMean } = customLayers(quiet);
  assert.ok(Math.abs(centeredMean) < 1e-6);
});

test("examples/linear-regression-concise recovers w and b within 0.01", () => {
  const { wError, bError } = linearRegression(quiet);
  for (const e of wError) assert.ok(Math.abs(e) < 0.01);
  assert.ok(Math.abs(bError) < 0.01);
});

test("examples/weight-decay-concise: overfits without decay, small ||w|| with decay 3", () => {
  const { plain, decayed } = weightDecay(quiet);
  assert.ok(plain.trainLoss < 1e-3 && plain.testLoss > 10);
  assert.ok(decayed.wNorm < 1);
});

test("examples/optimizer-trajectories: GD and momentum end where d2l's train_2d does", () => {
  const { gd, momentum } = trajectories(quiet);
  assert.ok(Math.abs(gd[0] + 0.943467) < 5e-6 && Math.abs(gd[1] + 0.000073) < 5e-6);
  assert.ok(Math.abs(momentum[0] - 0.007188) < 5e-6 && Math.abs(momentum[1] - 0.002553) < 5e-6);
});
