// Helpers of the model tests: the shape walk (through models.summary), bitwise output checks and
// state-dict round trips (through safetensors bytes, or an in-memory snapshot for big models).
import assert from "node:assert/strict";
import * as nb from "nabla";
import { models, type nn } from "nabla";

/** Each top-level layer's `Type[shape]` for an input of `shape`, as the book's loop prints. */
export function walk(net: nn.Module, shape: number[], depth = 1): string[] {
  return models
    .summary(net, shape, { print: false, depth })
    .rows.map((r) => `${r.type} ${r.outputShape.join("x")}`);
}

/** The model's eval-mode output on `x`, without recording (and its mode restored). */
export function evalOutput(net: nn.Module, x: nb.Tensor): Float32Array {
  const training = net.training;
  net.eval();
  const out = nb.noGrad(() => net.forward(x) as nb.Tensor).data() as Float32Array;
  net.train(training);
  return out;
}

/** Asserts the two arrays are equal bit for bit. */
export function assertBitwise(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

/**
 * Saves `net`'s state dict to safetensors bytes, loads them into `fresh` (a new model of the same
 * architecture), and checks that both give the same output on `x`.
 */
export function roundTripThroughSafetensors(net: nn.Module, fresh: nn.Module, x: nb.Tensor): void {
  const raw: Record<string, nb.RawTensor> = {};
  for (const [k, t] of Object.entries(net.stateDict())) raw[k] = nb.tensorToRaw(t);
  const bytes = nb.serializeSafetensors(raw, { format: "pt" });
  const parsed = nb.parseSafetensors(bytes).tensors;
  const sd: Record<string, nb.Tensor> = {};
  for (const [k, r] of Object.entries(parsed)) sd[k] = nb.rawToTensor(r);
  assert.deepEqual(Object.keys(sd).sort(), Object.keys(net.stateDict()).sort());
  fresh.loadStateDict(sd);
  assertBitwise(evalOutput(fresh, x), evalOutput(net, x), "output after the round trip");
}

/**
 * For models too big to build twice: snapshots the state dict, perturbs every parameter and
 * buffer in place, loads the snapshot back and checks the output is bitwise what it was.
 */
export function roundTripInPlace(net: nn.Module, x: nb.Tensor): void {
  const before = evalOutput(net, x);
  const snapshot: Record<string, nb.Tensor> = {};
  for (const [k, t] of Object.entries(net.stateDict())) snapshot[k] = t.clone();
  // One changed value per tensor is enough to tell whether the load wrote it back.
  for (const t of Object.values(net.stateDict())) {
    if (t.numel() > 0) t.storage.data[t.offset] += 1;
  }
  net.loadStateDict(snapshot);
  assertBitwise(evalOutput(net, x), before, "output after the round trip");
}

/** Runs one training-mode forward, so batch-norm buffers hold non-default values. */
export function warmUp(net: nn.Module, x: nb.Tensor): void {
  net.train();
  nb.noGrad(() => net.forward(x));
}
