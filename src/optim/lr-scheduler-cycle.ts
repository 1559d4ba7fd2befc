// OneCycleLR (stepped per batch) and ReduceLROnPlateau (driven by a metric).
import type { Optimizer, ParamGroup } from "./optimizer.js";
import { LRScheduler } from "./lr-scheduler.js";

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
