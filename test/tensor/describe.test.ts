// describeValue and isRecord: the one description of file values that error messages share.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { describeValue, isRecord } from "../../src/tensor/describe.js";

test("describeValue is short whatever the value holds", () => {
  assert.equal(describeValue("sgd"), '"sgd"');
  assert.equal(describeValue("x".repeat(1000)), JSON.stringify(`${"x".repeat(40)}...`));
  assert.equal(describeValue(nb.zeros([2, 3])), "a tensor of shape [2,3]");
  assert.equal(describeValue(new Array(1e6).fill(0)), "an array of 1000000");
  assert.equal(describeValue({ a: "x".repeat(1000) }), "an object");
  assert.equal(describeValue(new Map()), "an object");
  assert.equal(describeValue(null), "null");
  assert.equal(describeValue(undefined), "undefined");
  assert.equal(describeValue(Number.NaN), "NaN");
  assert.equal(describeValue(false), "false");
});

test("isRecord accepts plain objects only", () => {
  assert.equal(isRecord({ lr: 0.1 }), true);
  assert.equal(isRecord(Object.create(null)), true);
  for (const v of [null, undefined, [], new Map(), "x", 3]) assert.equal(isRecord(v), false);
});
