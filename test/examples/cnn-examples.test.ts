// Runs the convolutional-chapter examples (each asserts what the book shows) with output silenced.
import assert from "node:assert/strict";
import { test } from "node:test";
import { main as batchNorm } from "../../examples/cnn-batch-norm.js";
import { main as inception } from "../../examples/cnn-inception.js";
import { main as ninBlock } from "../../examples/cnn-nin-block.js";

const quiet = () => {};

test("examples/cnn-batch-norm: scratch batch_norm and BatchNorm agree with nn.BatchNorm2d; LeNet-BN trains", () => {
  const { lossBefore, lossAfter } = batchNorm(quiet);
  assert.ok(lossAfter < lossBefore);
});

test("examples/cnn-inception: 192 -> 256 channels, same as models.Inception", () => {
  assert.equal(inception(quiet).channels, 256);
});

test("examples/cnn-nin-block: the book's NiN shape walk", () => {
  assert.deepEqual(ninBlock(quiet).shapes.at(-1), [1, 10]);
});
