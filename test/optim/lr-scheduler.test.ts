// Every scheduler's lr sequence against PyTorch's formulas (closed forms, or its recurrences
// worked through by hand).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { optim } from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

const { lrScheduler: S } = optim;

function sgd(lr: number, extra: Partial<optim.SGDOptions> = {}) {
  return new optim.SGD([nb.zeros([1], { requiresGrad: true })], { lr, ...extra });
}

// The lr after construction, then after each of `n` steps.
function sequence(sched: { step(): void; getLastLr(): number[] }, n: number): number[] {
  const out = [sched.getLastLr()[0]];
  for (let i = 0; i < n; i++) {
    sched.step();
    out.push(sched.getLastLr()[0]);
  }
  return out;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const tol = { atol: 1e-12, rtol: 1e-10 };

test("StepLR, MultiStepLR, ExponentialLR", () => {
  const opt = sgd(0.05);
  const step = new S.StepLR(opt, { stepSize: 2, gamma: 0.1 });
  assertClose(sequence(step, 6), [0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005, 0.00005], tol);
  assert.equal(opt.paramGroups[0].lr, step.getLastLr()[0]);
  step.step(9);
  assertClose(step.getLastLr(), [0.05 * 0.1 ** 4], tol);
  const multi = new S.MultiStepLR(sgd(0.05), { milestones: [2, 5], gamma: 0.1 });
  assertClose(sequence(multi, 6), [0.05, 0.05, 0.005, 0.005, 0.005, 0.0005, 0.0005], tol);
  const exp = new S.ExponentialLR(sgd(1), { gamma: 0.9 });
  assertClose(
    sequence(exp, 5),
    range(6).map((e) => 0.9 ** e),
    tol,
  );
});

test("CosineAnnealingLR follows the closed form, including past tMax", () => {
  const [base, etaMin, tMax] = [0.1, 0.001, 4];
  const cos = new S.CosineAnnealingLR(sgd(base), { tMax, etaMin });
  const closed = (e: number) =>
    etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * e) / tMax))) / 2;
  assertClose(sequence(cos, 12), range(13).map(closed), tol);
});

test("LinearLR warm-up and LambdaLR (one function per group)", () => {
  const lin = new S.LinearLR(sgd(0.1), { startFactor: 0.25, totalIters: 4 });
  assertClose(sequence(lin, 6), [0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1, 0.1], tol);
  const p = nb.zeros([1], { requiresGrad: true });
  const q = nb.zeros([1], { requiresGrad: true });
  const opt = new optim.SGD([{ params: [p] }, { params: [q], lr: 1 }], { lr: 0.5 });
  const lam = new S.LambdaLR(opt, { lrLambda: [(e) => 0.5 ** e, (e) => 1 / (e + 1)] });
  lam.step();
  lam.step();
  assertClose(lam.getLastLr(), [0.5 * 0.25, 1 / 3], tol);
});

test("SequentialLR: linear warm-up, then exponential decay from the base lr", () => {
  const opt = sgd(1);
  const warm = new S.LinearLR(opt, { startFactor: 0.1, totalIters: 2 });
  const decay = new S.ExponentialLR(opt, { gamma: 0.5 });
  const seq = new S.SequentialLR(opt, { schedulers: [warm, decay], milestones: [2] });
  assertClose(sequence(seq, 4), [0.1, 0.55, 1, 0.5, 0.25], tol);
  assertThrowsWith(
    () => new S.SequentialLR(opt, { schedulers: [warm, decay], milestones: [] }),
    "expects 1 milestones",
  );
});

test("OneCycleLR: lr and momentum (or beta1) cycles", () => {
  const opt = sgd(0.1, { momentum: 0.9 });
  const sched = new S.OneCycleLR(opt, { maxLr: 1, totalSteps: 10 });
  const anneal = (a: number, b: number, pct: number) =>
    b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1);
  const [init, min] = [1 / 25, 1 / 25 / 1e4];
  const lr = (e: number) => (e <= 2 ? anneal(init, 1, e / 2) : anneal(1, min, (e - 2) / 7));
  const mom = (e: number) => (e <= 2 ? anneal(0.95, 0.85, e / 2) : anneal(0.85, 0.95, (e - 2) / 7));
  const lrs: number[] = [];
  const moms: number[] = [];
  for (let e = 0; e < 10; e++) {
    lrs.push(opt.paramGroups[0].lr);
    moms.push(opt.paramGroups[0].momentum);
    if (e < 9) sched.step();
  }
  assertClose(lrs, range(10).map(lr), tol);
  assertClose(moms, range(10).map(mom), tol);
  assertClose(lrs[9], min, tol);
  sched.step();
  assertThrowsWith(() => sched.step(), "tried to step 11 times");
  const adam = new optim.Adam([nb.zeros([1], { requiresGrad: true })]);
  const linear = new S.OneCycleLR(adam, {
    maxLr: 0.01,
    epochs: 2,
    stepsPerEpoch: 5,
    annealStrategy: "linear",
    threePhase: true,
  });
  // Three phases: up to step 2, down to step 4, then to minLr at step 9.
  linear.step();
  assertClose(linear.getLastLr(), [0.0004 + (0.01 - 0.0004) * 0.5], tol);
  assertClose(adam.paramGroups[0].betas[0], 0.9, tol);
  assertThrowsWith(
    () => new S.OneCycleLR(new optim.Adagrad([nb.zeros([1])]), { maxLr: 1, totalSteps: 5 }),
    "momentum or betas",
  );
});

test("ReduceLROnPlateau: patience, threshold, cooldown, minLr, max mode", () => {
  const opt = sgd(1);
  const plateau = new S.ReduceLROnPlateau(opt, { factor: 0.5, patience: 2 });
  const lrs = [10, 9, 9, 9, 9, 9, 9, 8, 8.9995].map((m) => {
    plateau.step(m);
    return plateau.getLastLr()[0];
  });
  assert.deepEqual(lrs, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5]);
  const cool = new S.ReduceLROnPlateau(sgd(1), {
    factor: 0.1,
    patience: 0,
    cooldown: 2,
    minLr: 0.05,
  });
  const seq = [1, 1, 1, 1, 1, 1].map((m) => {
    cool.step(m);
    return cool.getLastLr()[0];
  });
  assertClose(seq, [1, 0.1, 0.1, 0.1, 0.05, 0.05], tol);
  const max = new S.ReduceLROnPlateau(sgd(1), {
    mode: "max",
    patience: 0,
    thresholdMode: "abs",
    threshold: 0.1,
  });
  max.step(0.5);
  max.step(0.55);
  assertClose(max.getLastLr(), [0.1], tol);
  max.step(nb.tensor(0.7));
  assertClose(max.getLastLr(), [0.1], tol);
});

test("a scheduler's state dict restores its counters", () => {
  const a = new S.StepLR(sgd(1), { stepSize: 3, gamma: 0.5 });
  for (let i = 0; i < 4; i++) a.step();
  const optB = sgd(1);
  const b = new S.StepLR(optB, { stepSize: 3, gamma: 0.5 });
  b.loadStateDict(a.stateDict());
  optB.paramGroups[0].lr = a.getLastLr()[0];
  for (let i = 0; i < 4; i++) {
    a.step();
    b.step();
  }
  assert.deepEqual(b.getLastLr(), a.getLastLr());
  assert.equal(b.lastEpoch, 8);
});
