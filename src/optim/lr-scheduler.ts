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

  /** Restores what `stateDict` returned. */
  loadStateDict(state: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(state)) {
      if (k in this && typeof (this as any)[k] !== "function")
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

/** Options of `OneCycleLR` (PyTorch's, camelCased). */
export interface OneCycleOptions {
  maxLr: number | number[];
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: "cos" | "linear";
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/**
 * The 1cycle policy (Smith), stepped once per batch: the lr rises from maxLr/divFactor to maxLr
 * over pctStart of the steps, then anneals to maxLr/(divFactor finalDivFactor); momentum (or
 * Adam's beta1) cycles the other way. Example:
 * `new OneCycleLR(opt, { maxLr: 0.1, epochs: 10, stepsPerEpoch: batches })`.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly annealStrategy: "cos" | "linear";
  readonly cycleMomentum: boolean;
  readonly useBeta1: boolean;
  readonly phases: Phase[];

  constructor(optimizer: Optimizer<any>, options: OneCycleOptions) {
    const lastEpoch = options.lastEpoch ?? -1;
    const groups = optimizer.paramGroups;
    const total =
      options.totalSteps ??
      (options.epochs !== undefined && options.stepsPerEpoch !== undefined
        ? options.epochs * options.stepsPerEpoch
        : NaN);
    if (!(total > 0 && Number.isInteger(total)))
      throw new Error(
        "OneCycleLR: give totalSteps, or epochs and stepsPerEpoch (positive integers)",
      );
    const perGroup = (name: string, v: number | number[]): number[] => {
      const list = Array.isArray(v) ? v : groups.map(() => v);
      if (list.length !== groups.length)
        throw new Error(
          `OneCycleLR: expected ${groups.length} values for ${name}, got ${list.length}`,
        );
      return list;
    };
    const pct = options.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1))
      throw new RangeError(`OneCycleLR: pctStart must be in [0, 1], got ${pct}`);
    const divFactor = options.divFactor ?? 25;
    const finalDivFactor = options.finalDivFactor ?? 1e4;
    if (lastEpoch === -1) {
      perGroup("maxLr", options.maxLr).forEach((maxLr, i) => {
        const g = groups[i];
        g.initialLr = maxLr / divFactor;
        g.maxLr = maxLr;
        g.minLr = g.initialLr / finalDivFactor;
      });
    }
    const cycle = options.cycleMomentum ?? true;
    let useBeta1 = false;
    if (cycle) {
      const d = optimizer.defaults as Record<string, unknown>;
      if (!("momentum" in d) && !("betas" in d))
        throw new Error(
          "OneCycleLR: optimizer must support momentum or betas with cycleMomentum enabled",
        );
      useBeta1 = "betas" in d;
      const maxM = perGroup("maxMomentum", options.maxMomentum ?? 0.95);
      const baseM = perGroup("baseMomentum", options.baseMomentum ?? 0.85);
      if (lastEpoch === -1) {
        groups.forEach((g: ParamGroup, i: number) => {
          if (useBeta1) g.betas = [maxM[i], (g.betas as number[])[1]];
          else g.momentum = maxM[i];
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    super(optimizer, lastEpoch);
    this.totalSteps = total;
    this.annealStrategy = options.annealStrategy ?? "cos";
    if (this.annealStrategy !== "cos" && this.annealStrategy !== "linear")
      throw new Error(
        `OneCycleLR: annealStrategy must be "cos" or "linear", got "${String(this.annealStrategy)}"`,
      );
    this.cycleMomentum = cycle;
    this.useBeta1 = useBeta1;
    this.phases = options.threePhase
      ? [
          {
            endStep: pct * total - 1,
            startLr: "initialLr",
            endLr: "maxLr",
            startMomentum: "maxMomentum",
            endMomentum: "baseMomentum",
          },
          {
            endStep: 2 * pct * total - 2,
            startLr: "maxLr",
            endLr: "initialLr",
            startMomentum: "baseMomentum",
            endMomentum: "maxMomentum",
          },
          {
            endStep: total - 1,
            startLr: "initialLr",
            endLr: "minLr",
            startMomentum: "maxMomentum",
            endMomentum: "maxMomentum",
          },
        ]
      : [
          {
            endStep: pct * total - 1,
            startLr: "initialLr",
            endLr: "maxLr",
            startMomentum: "maxMomentum",
            endMomentum: "baseMomentum",
          },
          {
            endStep: total - 1,
            startLr: "maxLr",
            endLr: "minLr",
            startMomentum: "baseMomentum",
            endMomentum: "maxMomentum",
          },
        ];
    this.initialStep();
  }

  #anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === "linear") return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps)
      throw new Error(
        `OneCycleLR: tried to step ${stepNum} times; the total number of steps is ${this.totalSteps}`,
      );
    return this.optimizer.paramGroups.map((g: ParamGroup) => {
      let start = 0;
      let lr = g.lr;
      for (let i = 0; i < this.phases.length; i++) {
        const phase = this.phases[i];
        if (stepNum <= phase.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - start) / (phase.endStep - start);
          lr = this.#anneal(g[phase.startLr] as number, g[phase.endLr] as number, pct);
          if (this.cycleMomentum) {
            const m = this.#anneal(
              g[phase.startMomentum] as number,
              g[phase.endMomentum] as number,
              pct,
            );
            if (this.useBeta1) g.betas = [m, (g.betas as number[])[1]];
            else g.momentum = m;
          }
          break;
        }
        start = phase.endStep;
      }
      return lr;
    });
  }
}

/** Options of `ReduceLROnPlateau` (PyTorch's, camelCased). */
export interface PlateauOptions {
  mode?: "min" | "max";
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: "rel" | "abs";
  cooldown?: number;
  minLr?: number | number[];
  eps?: number;
}

/**
 * Multiplies the lr by `factor` when a metric has stopped improving for `patience` epochs.
 * Example: `const s = new ReduceLROnPlateau(opt, { patience: 2 }); s.step(valLoss);`
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer<any>;
  readonly mode: "min" | "max";
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: "rel" | "abs";
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  #lastLr: number[];

  constructor(optimizer: Optimizer<any>, options: PlateauOptions = {}) {
    this.optimizer = optimizer;
    this.factor = options.factor ?? 0.1;
    if (!(this.factor < 1))
      throw new RangeError(`ReduceLROnPlateau: factor should be < 1.0, got ${this.factor}`);
    this.mode = options.mode ?? "min";
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? "rel";
    this.cooldown = options.cooldown ?? 0;
    const n = optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    this.minLrs = Array.isArray(minLr) ? minLr.slice() : Array(n).fill(minLr);
    if (this.minLrs.length !== n)
      throw new Error(`ReduceLROnPlateau: expected ${n} minLr values, got ${this.minLrs.length}`);
    this.eps = options.eps ?? 1e-8;
    if (this.mode !== "min" && this.mode !== "max")
      throw new Error(`ReduceLROnPlateau: mode ${String(this.mode)} is unknown`);
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs")
      throw new Error(`ReduceLROnPlateau: thresholdMode ${String(this.thresholdMode)} is unknown`);
    this.best = this.mode === "min" ? Infinity : -Infinity;
    this.#lastLr = optimizer.paramGroups.map((g: ParamGroup) => g.lr);
  }

  #isBetter(a: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === "min")
      return this.thresholdMode === "rel" ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === "rel" ? a > best * (t + 1) : a > best + t;
  }

  /** Records one epoch's metric and lowers the lr after `patience` bad epochs. Example: `s.step(valLoss)`. */
  step(metric: number | { item(): number }): void {
    const current = typeof metric === "number" ? metric : metric.item();
    this.lastEpoch += 1;
    if (this.#isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g: ParamGroup, i: number) => {
        const newLr = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - newLr > this.eps) g.lr = newLr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.#lastLr = this.optimizer.paramGroups.map((g: ParamGroup) => g.lr);
  }

  /** The learning rates after the last step. */
  getLastLr(): number[] {
    return this.#lastLr.slice();
  }
}
