// Runs the d2l examples (each asserts what the book shows) with their output silenced.
import assert from "node:assert/strict";
import { test } from "node:test";
import { main as autograd } from "../../examples/01-autograd.js";
import { main as linearRegression } from "../../examples/02-linear-regression-scratch.js";
import { main as softmaxRegression } from "../../examples/03-softmax-regression-scratch.js";

const quiet = () => {};

test("examples/01-autograd: grad of 2 x.x is 4x, detach, control flow", () => {
  autograd(quiet);
});

test("examples/02-linear-regression-scratch recovers w and b within 0.01", () => {
  const { wError, bError } = linearRegression(quiet);
  for (const e of wError) assert.ok(Math.abs(e) < 0.01);
  assert.ok(Math.abs(bError) < 0.01);
});

test("examples/03-softmax-regression-scratch reaches >= 95% training accuracy", () => {
  const { accuracy } = softmaxRegression(quiet);
  assert.ok(accuracy >= 0.95, `accuracy ${accuracy}`);
});
