// Every optimizer option against multi-step updates computed by hand (scalar loops written from
// PyTorch's documented algorithms), plus param groups, zeroGrad and exact resumption.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { optim } from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

const START = [1.5, -2, 0.25];
const A = [1, 3, 0.5];
const B = [0.2, -0.1, 0.3];
const STEPS = 6;

// loss = sum(a/2 p^2 + b p), so grad = a p + b.
const gradAt = (p: number[]) => p.map((v, i) => A[i] * v + B[i]);

function run(make: (params: nb.Tensor[]) => optim.Optimizer<any>): number[] {
  const p = nb.tensor(START, { dtype: "float64", requiresGrad: true });
  const opt = make([p]);
  const a = nb.tensor(A, { dtype: "float64" });
  const b = nb.tensor(B, { dtype: "float64" });
  for (let s = 0; s < STEPS; s++) {
    opt.zeroGrad();
    p.square().mul(a).mul(0.5).add(p.mul(b)).sum().backward();
    opt.step();
  }
  return Array.from(p.data());
}

// Runs a per-element reference update `update(p, g, state, t)` for STEPS steps.
function reference(update: (p: number, g: number, s: Record<string, number>, t: number) => number) {
  const p = START.slice();
  const states = p.map(() => ({}) as Record<string, number>);
  for (let t = 1; t <= STEPS; t++) {
    const g = gradAt(p);
    for (let i = 0; i < p.length; i++) p[i] = update(p[i], g[i], states[i], t);
  }
  return p;
}

function sgdRef(o: {
  lr: number;
  momentum?: number;
  dampening?: number;
  wd?: number;
  nesterov?: boolean;
  maximize?: boolean;
}) {
  const { lr, momentum = 0, dampening = 0, wd = 0, nesterov = false, maximize = false } = o;
  return reference((p, g0, s, t) => {
    let d = (maximize ? -g0 : g0) + wd * p;
    if (momentum !== 0) {
      s.buf = t === 1 ? d : momentum * s.buf + (1 - dampening) * d;
      d = nesterov ? d + momentum * s.buf : s.buf;
    }
    return p - lr * d;
  });
}

test("SGD: plain, momentum, dampening, nesterov, weightDecay, maximize", () => {
  const cases: [Partial<optim.SGDOptions>, Parameters<typeof sgdRef>[0]][] = [
    [{}, {} as any],
    [{ momentum: 0.9 }, { momentum: 0.9 } as any],
    [{ momentum: 0.9, dampening: 0.5 }, { momentum: 0.9, dampening: 0.5 } as any],
    [{ momentum: 0.8, nesterov: true }, { momentum: 0.8, nesterov: true } as any],
    [{ weightDecay: 0.1 }, { wd: 0.1 } as any],
    [{ maximize: true }, { maximize: true } as any],
    [
      { momentum: 0.7, nesterov: true, weightDecay: 0.05, maximize: true },
      { momentum: 0.7, nesterov: true, wd: 0.05, maximize: true } as any,
    ],
  ];
  for (const [opts, ref] of cases) {
    const got = run((ps) => new optim.SGD(ps, { ...opts, lr: 0.1 }));
    assertClose(got, sgdRef({ ...ref, lr: 0.1 }), { atol: 1e-12, rtol: 1e-12 });
  }
  assertThrowsWith(
    () => new optim.SGD([nb.ones([1])], { lr: 0.1, nesterov: true }),
    "nesterov momentum requires",
  );
  assertThrowsWith(() => new optim.SGD([nb.ones([1])], { lr: -1 }), "invalid learning rate: -1");
});

function adamRef(o: {
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  wd?: number;
  amsgrad?: boolean;
  maximize?: boolean;
  decoupled?: boolean;
}) {
  const { lr, b1, b2, eps, wd = 0, amsgrad = false, maximize = false, decoupled = false } = o;
  return reference((p0, g0, s, t) => {
    let p = p0;
    let g = maximize ? -g0 : g0;
    if (decoupled) p *= 1 - lr * wd;
    else g += wd * p;
    s.m = (s.m ?? 0) * b1 + (1 - b1) * g;
    s.v = (s.v ?? 0) * b2 + (1 - b2) * g * g;
    s.vmax = Math.max(s.vmax ?? 0, s.v);
    const v = amsgrad ? s.vmax : s.v;
    const mHat = s.m / (1 - b1 ** t);
    const vHat = v / (1 - b2 ** t);
    // PyTorch's eps is added to sqrt(v) / sqrt(1 - b2^t), i.e. to sqrt(vHat).
    return p - (lr * mHat) / (Math.sqrt(vHat) + eps);
  });
}

test("SGD whose momentum is set to 0 after steps with momentum takes plain steps", () => {
  const p = nb.tensor([1, -2], { dtype: "float64", requiresGrad: true });
  const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
  const step = () => {
    opt.zeroGrad();
    p.square().sum().backward(); // grad = 2p
    opt.step();
  };
  step(); // p = 0.8 p (the buffer holds 2p)
  opt.paramGroups[0]!.momentum = 0;
  step(); // plain: p -= 0.1 * 2p, the old buffer ignored
  assertClose(p, nb.tensor([0.64, -1.28], { dtype: "float64" }));
});

test("Adam and AdamW: defaults, amsgrad, weightDecay, maximize, decoupled decay", () => {
  const base = { lr: 0.05, b1: 0.9, b2: 0.999, eps: 1e-8 };
  const tol = { atol: 1e-12, rtol: 1e-10 };
  assertClose(
    run((ps) => new optim.Adam(ps, { lr: 0.05 })),
    adamRef(base),
    tol,
  );
  assertClose(
    run((ps) => new optim.Adam(ps, { lr: 0.05, amsgrad: true })),
    adamRef({ ...base, amsgrad: true }),
    tol,
  );
  assertClose(
    run((ps) => new optim.Adam(ps, { lr: 0.05, betas: [0.8, 0.9], eps: 1e-3, weightDecay: 0.1 })),
    adamRef({ ...base, b1: 0.8, b2: 0.9, eps: 1e-3, wd: 0.1 }),
    tol,
  );
  assertClose(
    run((ps) => new optim.Adam(ps, { lr: 0.05, maximize: true })),
    adamRef({ ...base, maximize: true }),
    tol,
  );
  assertClose(
    run((ps) => new optim.AdamW(ps, { lr: 0.05 })),
    adamRef({ ...base, wd: 0.01, decoupled: true }),
    tol,
  );
  assertClose(
    run((ps) => new optim.AdamW(ps, { lr: 0.05, weightDecay: 0.5, amsgrad: true })),
    adamRef({ ...base, wd: 0.5, decoupled: true, amsgrad: true }),
    tol,
  );
  assertThrowsWith(
    () => new optim.Adam([nb.ones([1])], { betas: [1, 0.9] }),
    "invalid beta parameter at index 0: 1",
  );
});

test("RMSprop: plain, centered, momentum, weightDecay", () => {
  const ref = (o: {
    alpha: number;
    eps: number;
    wd?: number;
    momentum?: number;
    centered?: boolean;
  }) =>
    reference((p, g0, s) => {
      const g = g0 + (o.wd ?? 0) * p;
      s.sq = (s.sq ?? 0) * o.alpha + (1 - o.alpha) * g * g;
      let avg = s.sq;
      if (o.centered) {
        s.ga = (s.ga ?? 0) * o.alpha + (1 - o.alpha) * g;
        avg = s.sq - s.ga * s.ga;
      }
      const denom = Math.sqrt(avg) + o.eps;
      if (o.momentum) {
        s.buf = (s.buf ?? 0) * o.momentum + g / denom;
        return p - 0.01 * s.buf;
      }
      return p - (0.01 * g) / denom;
    });
  const tol = { atol: 1e-12, rtol: 1e-10 };
  assertClose(
    run((ps) => new optim.RMSprop(ps)),
    ref({ alpha: 0.99, eps: 1e-8 }),
    tol,
  );
  assertClose(
    run(
      (ps) =>
        new optim.RMSprop(ps, { alpha: 0.9, centered: true, momentum: 0.5, weightDecay: 0.1 }),
    ),
    ref({ alpha: 0.9, eps: 1e-8, centered: true, momentum: 0.5, wd: 0.1 }),
    tol,
  );
});

test("Adagrad (lrDecay, initialAccumulatorValue, weightDecay) and Adadelta", () => {
  const tol = { atol: 1e-12, rtol: 1e-10 };
  const adagrad = reference((p, g0, s, t) => {
    const g = g0 + 0.1 * p;
    s.sum = (s.sum ?? 0.5) + g * g;
    const clr = 0.1 / (1 + (t - 1) * 0.01);
    return p - (clr * g) / (Math.sqrt(s.sum) + 1e-10);
  });
  assertClose(
    run(
      (ps) =>
        new optim.Adagrad(ps, {
          lr: 0.1,
          lrDecay: 0.01,
          initialAccumulatorValue: 0.5,
          weightDecay: 0.1,
        }),
    ),
    adagrad,
    tol,
  );
  // maximize flips the gradient first, then weight decay adds +wd p: d = -g + wd p.
  const adadeltaMax = reference((p, g0, s) => {
    const d = -g0 + 0.2 * p;
    s.sq = (s.sq ?? 0) * 0.9 + 0.1 * d * d;
    const delta = (Math.sqrt((s.acc ?? 0) + 1e-6) / Math.sqrt(s.sq + 1e-6)) * d;
    s.acc = (s.acc ?? 0) * 0.9 + 0.1 * delta * delta;
    return p - 0.5 * delta;
  });
  assertClose(
    run((ps) => new optim.Adadelta(ps, { lr: 0.5, weightDecay: 0.2, maximize: true })),
    adadeltaMax,
    tol,
  );
  const plain = reference((p, g, s) => {
    s.sq = (s.sq ?? 0) * 0.9 + 0.1 * g * g;
    const delta = (Math.sqrt((s.acc ?? 0) + 1e-6) / Math.sqrt(s.sq + 1e-6)) * g;
    s.acc = (s.acc ?? 0) * 0.9 + 0.1 * delta * delta;
    return p - delta;
  });
  assertClose(
    run((ps) => new optim.Adadelta(ps)),
    plain,
    tol,
  );
});

test("param groups carry their own options; params without grad are skipped", () => {
  const w = nb.tensor([1, 2], { requiresGrad: true });
  const b = nb.tensor([3], { requiresGrad: true });
  const unused = nb.tensor([5], { requiresGrad: true });
  const opt = new optim.SGD(
    [
      { params: w, weightDecay: 3 },
      { params: [b, unused], lr: 0.5 },
    ],
    { lr: 0.1 },
  );
  assert.equal(opt.paramGroups[0].lr, 0.1);
  assert.equal(opt.paramGroups[0].weightDecay, 3);
  assert.equal(opt.paramGroups[1].weightDecay, 0);
  w.sum().add(b.sum()).backward();
  opt.step();
  // w: g = 1 + 3 w; b: g = 1 with lr 0.5.
  assertClose(w, [1 - 0.1 * (1 + 3), 2 - 0.1 * (1 + 6)]);
  assertClose(b, [2.5]);
  assertClose(unused, [5]);
  assert.equal(opt.state.has(unused), false);
  opt.zeroGrad();
  assert.equal(w.grad, null);
  assertThrowsWith(
    () => new optim.SGD([{ params: [w] }, { params: [w] }], { lr: 1 }),
    "more than one parameter group",
  );
  assertThrowsWith(() => new optim.SGD([], { lr: 1 }), "empty parameter list");
  const p = nb.tensor([1], { requiresGrad: true });
  const closureOpt = new optim.SGD([p], { lr: 0.1 });
  const loss = closureOpt.step(() => {
    closureOpt.zeroGrad();
    const l = p.square().sum();
    l.backward();
    return l;
  });
  assertClose(loss as nb.Tensor, 1);
  assertClose(p, [0.8]);
});

test("updates are in place, bump the version, and work on float32 with broadcast grads", () => {
  const p = nb.zeros([2, 3], { requiresGrad: true });
  const storage = p.storage;
  const version = storage.version;
  const opt = new optim.Adam([p], { lr: 0.1 });
  p.sum().backward(); // the grad of sum is a broadcast view
  opt.step();
  assert.equal(p.storage, storage);
  assert.ok(storage.version > version);
  assertClose(p, nb.full([2, 3], -0.1), { atol: 1e-6 });
});

test("stateDict / loadStateDict resume training exactly", () => {
  const makeRun = (kind: "sgd" | "adam" | "rmsprop" | "adagrad" | "adadelta") => {
    const p = nb.tensor(START, { dtype: "float64", requiresGrad: true });
    const q = nb.tensor([0.5, 1], { dtype: "float64", requiresGrad: true });
    const make = (ps: nb.Tensor[][]): optim.Optimizer<any> => {
      const groups = [{ params: ps[0] }, { params: ps[1], lr: 0.02 }];
      if (kind === "sgd") return new optim.SGD(groups, { lr: 0.05, momentum: 0.9, nesterov: true });
      if (kind === "adam") return new optim.AdamW(groups, { lr: 0.05, amsgrad: true });
      if (kind === "rmsprop") return new optim.RMSprop(groups, { centered: true, momentum: 0.3 });
      if (kind === "adagrad") return new optim.Adagrad(groups, { lrDecay: 0.1 });
      return new optim.Adadelta(groups);
    };
    const opt = make([[p], [q]]);
    const stepOnce = (o: optim.Optimizer<any>, x: nb.Tensor, y: nb.Tensor) => {
      o.zeroGrad();
      x.pow(3).sum().add(y.square().sum()).backward();
      o.step();
    };
    for (let i = 0; i < 3; i++) stepOnce(opt, p, q);
    const saved = opt.stateDict();
    const p2 = p.detach().clone().requiresGrad_();
    const q2 = q.detach().clone().requiresGrad_();
    const opt2 = make([[p2], [q2]]);
    opt2.loadStateDict(saved);
    for (let i = 0; i < 3; i++) {
      stepOnce(opt, p, q);
      stepOnce(opt2, p2, q2);
    }
    assertClose(p2, p, { atol: 0, rtol: 0 });
    assertClose(q2, q, { atol: 0, rtol: 0 });
    assert.deepEqual(saved.paramGroups[1].params, [1]);
    assert.equal(saved.paramGroups[1].lr, 0.02);
  };
  for (const kind of ["sgd", "adam", "rmsprop", "adagrad", "adadelta"] as const) makeRun(kind);
  const opt = new optim.SGD([nb.ones([1], { requiresGrad: true })], { lr: 1 });
  assertThrowsWith(
    () => opt.loadStateDict({ state: {}, paramGroups: [{ params: [0, 1] }] }),
    "doesn't match the size",
  );
});

test("loadStateDict checks every field of a state dict (it may come from a file) and names each bad one", () => {
  const p = nb.ones([2, 3], { requiresGrad: true });
  const make = () => new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
  const opt = make();
  p.sum().backward();
  opt.step();
  const saved = opt.stateDict();
  const errorOf = (sd: unknown) => {
    const target = make();
    try {
      target.loadStateDict(sd as optim.OptimizerStateDict);
    } catch (e) {
      // Nothing was loaded.
      assert.equal(target.paramGroups[0]!.lr, 0.1);
      assert.equal(target.state.size, 0);
      return (e as Error).message;
    }
    return "no error";
  };
  const group = saved.paramGroups[0]!;
  const message = errorOf({
    state: { 0: { momentumBuffer: nb.tensor(1) } },
    paramGroups: [{ ...group, lr: Number.NaN, momentum: -1 }],
  });
  assert.match(message, /^SGD\.loadStateDict: /);
  assert.match(message, /paramGroups\[0\]\.lr must be a finite number, got NaN/);
  assert.match(message, /paramGroups\[0\]: SGD: invalid momentum value: -1/);
  assert.match(
    message,
    /state\["0"\]\.momentumBuffer has shape \[\] but parameter 0 has shape \[2, ?3\]/,
  );
  assert.match(
    errorOf({ state: {}, paramGroups: [{ ...group, lr: -0.5 }] }),
    /paramGroups\[0\]\.lr must be a number >= 0, got -0\.5/,
  );
  assert.match(
    errorOf({ state: {}, paramGroups: [{ ...group, nesterov: "yes" }] }),
    /paramGroups\[0\]\.nesterov must be true or false, got "yes"/,
  );
  // A string has a length too: it used to read "has 1 parameter groups, the optimizer has 1".
  assert.equal(
    errorOf({ state: {}, paramGroups: "x" }),
    'SGD.loadStateDict: paramGroups must be an array, got "x"',
  );
  assert.match(
    errorOf({ state: {}, paramGroups: [group, group] }),
    /loaded state dict has 2 parameter groups, the optimizer has 1/,
  );
  assert.match(errorOf(null), /expected a state dict \{ state, paramGroups \}, got null/);
  assert.match(
    errorOf({ state: { 0: { momentumBuffer: "fast" }, 7: {} }, paramGroups: [group] }),
    /state\["0"\]\.momentumBuffer must be a tensor, a number or null, got "fast"; state\["7"\] is the state of no parameter of the groups/,
  );
  assert.match(
    errorOf({ state: {}, paramGroups: [JSON.parse('{"params": [0], "__proto__": {"lr": 5}}')] }),
    /paramGroups\[0\] has an unexpected key "__proto__"/,
  );
  const adam = new optim.Adam([p], { lr: 0.01 });
  p.grad = nb.ones([2, 3]);
  adam.step();
  const a = adam.stateDict();
  assert.throws(
    () =>
      new optim.Adam([p], { lr: 0.01 }).loadStateDict({
        ...a,
        state: { 0: { ...a.state[0]!, step: -1, expAvg: nb.zeros([2, 3], { dtype: "int32" }) } },
      }),
    /state\["0"\]\.step must be an integer >= 0, got -1; state\["0"\]\.expAvg must be a floating-point tensor, got int32/,
  );
  assert.equal(errorOf(saved), "no error");
});

test("an LR scheduler's loadStateDict sets only its own fields", () => {
  const opt = new optim.SGD([nb.ones([1], { requiresGrad: true })], { lr: 1 });
  const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.5 });
  sched.loadStateDict(JSON.parse('{"__proto__": {"polluted": 1}, "optimizer": 3, "lastEpoch": 4}'));
  assert.ok(sched instanceof optim.lrScheduler.StepLR);
  assert.equal(sched.optimizer, opt);
  assert.equal(sched.lastEpoch, 4);
  assert.equal((sched as unknown as { polluted?: unknown }).polluted, undefined);
});
