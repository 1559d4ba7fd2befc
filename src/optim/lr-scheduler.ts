// optim.lrScheduler: PyTorch's schedulers with its exact recurrences. Each `step()` (once per
// epoch, or per batch for OneCycleLR) writes the new learning rate into the optimizer's groups.
import type { Optimizer, ParamGroup } from "./optimizer.js";

// Python's bisect_right: how many sorted values are <= x.
function bisectRight(values: readonly number[], x: number): number {
  let n = 0;
  while (n < values.length && values[n] <= x) n++;
  return n;
}

// Python's % (the result has the divisor's sign).
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/**
 * The base of the epoch-based schedulers: `baseLrs` from each group's `initialLr`, `lastEpoch`,
 * `step()` and `getLastLr()`. Subclasses give the recurrence `getLr()` (and, for `step(epoch)`,
 * a closed form). Example: `const s = new optim.lrScheduler.StepLR(opt, { stepSize: 30 }); s.step();`
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer<any>;
  baseLrs: number[];
  lastEpoch: number;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  constructor(optimizer: Optimizer<any>, lastEpoch = -1) {
    this.optimizer = optimizer;
    optimizer.paramGroups.forEach((g: ParamGroup, i: number) => {
      if (lastEpoch === -1) g.initialLr ??= g.lr;
      else if (g.initialLr === undefined)
        throw new Error(
          `${this.constructor.name}: paramGroups[${i}] has no initialLr, needed to resume at lastEpoch ${lastEpoch}`,
        );
    });
    this.baseLrs = optimizer.paramGroups.map((g: ParamGroup) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** The learning rates at `lastEpoch` from those of the previous epoch (PyTorch's chainable form). */
  abstract getLr(): number[];

  /** The learning rates at `lastEpoch` computed directly (used by `step(epoch)`), if known. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /** Sets epoch 0's learning rates; subclasses call it at the end of their constructor. */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** Advances one epoch (or jumps to `epoch`) and sets the groups' learning rates. Example: `sched.step()`. */
  step(epoch?: number): void {
    this.stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.optimizer.paramGroups.forEach((g: ParamGroup, i: number) => {
      g.lr = values[i];
    });
    this.lastLr = this.optimizer.paramGroups.map((g: ParamGroup) => g.lr);
  }

  /** The learning rates set by the last step. Example: `sched.getLastLr()[0]`. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The scheduler's counters and settings (functions and the optimizer left out). */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === "optimizer" || typeof v === "function") continue;
      if (v instanceof LRScheduler) continue;
      out[k] = Array.isArray(v) ? structuredClone(v.filter((x) => typeof x !== "function")) : v;
    }
    return out;
  }

  /**
   * Restores what `stateDict` returned. Only the scheduler's own fields are set (a state dict may
   * come from a file: keys such as `__proto__` or `optimizer` are not fields to overwrite).
   */
  loadStateDict(state: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(state)) {
      if (k === "optimizer" || !Object.hasOwn(this, k)) continue;
      const current = (this as any)[k];
      if (typeof current === "function" || current instanceof LRScheduler) continue;
      (this as any)[k] = structuredClone(v);
    }
  }

  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g: ParamGroup) => g.lr);
  }
}

/** Multiplies the lr by `gamma` every `stepSize` epochs. Example: `new StepLR(opt, { stepSize: 30, gamma: 0.1 })`. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(
    optimizer: Optimizer<any>,
    options: { stepSize: number; gamma?: number; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    if (!(this.stepSize > 0))
      throw new RangeError(`StepLR: stepSize must be positive, got ${this.stepSize}`);
    this.initialStep();
  }
  getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** Multiplies the lr by `gamma` at each milestone epoch. Example: `new MultiStepLR(opt, { milestones: [30, 80] })`. */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;
  constructor(
    optimizer: Optimizer<any>,
    options: { milestones: number[]; gamma?: number; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    this.milestones = options.milestones.slice().sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }
  getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma ** hits);
  }
  protected override closedFormLr(): number[] {
    const k = bisectRight(this.milestones, this.lastEpoch);
    return this.baseLrs.map((b) => b * this.gamma ** k);
  }
}

/** Multiplies the lr by `gamma` every epoch. Example: `new ExponentialLR(opt, { gamma: 0.9 })`. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(optimizer: Optimizer<any>, options: { gamma: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    this.gamma = options.gamma;
    this.initialStep();
  }
  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/**
 * Cosine annealing from the base lr to `etaMin` over `tMax` epochs (PyTorch's recurrence, which
 * restarts after 2 tMax). Example: `new CosineAnnealingLR(opt, { tMax: 100 })`.
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(
    optimizer: Optimizer<any>,
    options: { tMax: number; etaMin?: number; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    if (!(this.tMax > 0))
      throw new RangeError(`CosineAnnealingLR: tMax must be positive, got ${this.tMax}`);
    this.initialStep();
  }
  getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    const lrs = this.groupLrs();
    if (e === 0) return lrs;
    if (this.stepCount === 1 && e > 0)
      return this.baseLrs.map(
        (b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2,
      );
    if (pyMod(e - 1 - T, 2 * T) === 0)
      return lrs.map(
        (lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2,
      );
    return lrs.map(
      (lr) =>
        ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) *
          (lr - etaMin) +
        etaMin,
    );
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map(
      (b) =>
        this.etaMin +
        ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2,
    );
  }
}

/**
 * Scales the lr linearly from `startFactor` to `endFactor` over `totalIters` epochs (warm-up).
 * Example: `new LinearLR(opt, { startFactor: 0.1, totalIters: 5 })`.
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(
    optimizer: Optimizer<any>,
    options: {
      startFactor?: number;
      endFactor?: number;
      totalIters?: number;
      lastEpoch?: number;
    } = {},
  ) {
    super(optimizer, options.lastEpoch);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    if (!(this.startFactor > 0 && this.startFactor <= 1))
      throw new RangeError(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`);
    if (!(this.endFactor >= 0 && this.endFactor <= 1))
      throw new RangeError(`LinearLR: endFactor must be in [0, 1], got ${this.endFactor}`);
    this.initialStep();
  }
  getLr(): number[] {
    const { startFactor: s, endFactor: f, totalIters: n, lastEpoch: e } = this;
    if (e === 0) return this.groupLrs().map((lr) => lr * s);
    if (e > n) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: f, totalIters: n, lastEpoch: e } = this;
    return this.baseLrs.map((b) => b * (s + ((f - s) * Math.min(n, e)) / n));
  }
}

/**
 * The lr is the base lr times `lrLambda(epoch)` (one function, or one per group).
 * Example: `new LambdaLR(opt, { lrLambda: (epoch) => 0.95 ** epoch })`.
 */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: ((epoch: number) => number)[];
  constructor(
    optimizer: Optimizer<any>,
    options: {
      lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[];
      lastEpoch?: number;
    },
  ) {
    super(optimizer, options.lastEpoch);
    const n = optimizer.paramGroups.length;
    const fns = Array.isArray(options.lrLambda)
      ? options.lrLambda
      : Array(n).fill(options.lrLambda);
    if (fns.length !== n) throw new Error(`LambdaLR: expected ${n} lrLambdas, got ${fns.length}`);
    this.lrLambdas = fns;
    this.initialStep();
  }
  getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch));
  }
}

/**
 * Runs `schedulers` one after another, switching at the `milestones` epochs (e.g. linear warm-up,
 * then cosine). Example:
 * `new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] })`.
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[];
  readonly milestones: number[];
  constructor(
    optimizer: Optimizer<any>,
    options: { schedulers: LRScheduler[]; milestones: number[]; lastEpoch?: number },
  ) {
    super(optimizer, -1);
    const { schedulers, milestones } = options;
    if (schedulers.length < 1) throw new Error("SequentialLR: expects at least one scheduler");
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer)
        throw new Error(`SequentialLR: scheduler ${i} is bound to a different optimizer`);
    });
    if (milestones.length !== schedulers.length - 1)
      throw new Error(
        `SequentialLR: expects ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${milestones.length}`,
      );
    this.schedulers = schedulers;
    this.milestones = milestones.slice();
    this.lastEpoch = (options.lastEpoch ?? -1) + 1;
    // Undo the schedulers' own first steps and start the first one afresh, as PyTorch does.
    for (const g of optimizer.paramGroups) g.lr = g.initialLr as number;
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0].initialStep();
    this.lastLr = schedulers[0].getLastLr();
  }
  getLr(): number[] {
    return this.groupLrs();
  }
  override step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const scheduler = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }
}
