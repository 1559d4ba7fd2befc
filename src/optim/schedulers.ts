// optim.lrScheduler: every LR scheduler.
export * from "./lr-scheduler.js";
export * from "./lr-scheduler-cycle.js";
