// The optim namespace: optimizers (each with its update maths as a plain function) and
// `lrScheduler`.
export * from "./adadelta.js";
export * from "./adagrad.js";
export * from "./adam.js";
export * from "./optimizer.js";
export * from "./rmsprop.js";
export * from "./sgd.js";
export * as lrScheduler from "./schedulers.js";
