import { allocArray } from "../../tensor/dtype.js";
import type { Backend } from "../backend.js";
import { assign, binary, copy, unary, unaryBackward, where } from "./elementwise.js";
import { gather, indexAdd, indexPut, indexSelect, scatter, scatterAdd } from "./indexing.js";
import { matmul } from "./linalg.js";
import { argReduce, cumsum, reduce, softmax, softmaxBackward } from "./reduce.js";
import { crossEntropy, crossEntropyBackward } from "./loss.js";
import { adadeltaStep, adagradStep, adamStep, rmspropStep, sgdStep } from "./optim.js";
import { col2im, conv2dBackwardData, conv2dBackwardWeight, conv2dForward, im2col } from "./conv.js";
import { batchNormBackward, batchNormForwardEval, batchNormForwardTrain } from "./norm.js";
import {
  avgPool2dBackward,
  avgPool2dForward,
  maxPool2dBackward,
  maxPool2dForward,
} from "./pool.js";

/** The reference backend: every kernel in plain TypeScript over typed arrays. */
export const jsBackend: Backend = {
  name: "js",
  alloc: allocArray,
  allocEmpty: allocArray,
  copy,
  assign,
  unary,
  unaryBackward,
  binary,
  where,
  reduce,
  argReduce,
  cumsum,
  matmul,
  softmax,
  softmaxBackward,
  gather,
  scatterAdd,
  scatter,
  indexSelect,
  indexAdd,
  indexPut,
  conv2dForward,
  conv2dBackwardData,
  conv2dBackwardWeight,
  maxPool2dForward,
  maxPool2dBackward,
  avgPool2dForward,
  avgPool2dBackward,
  batchNormForwardTrain,
  batchNormForwardEval,
  batchNormBackward,
  im2col,
  col2im,
  crossEntropy,
  crossEntropyBackward,
  sgdStep,
  adamStep,
  rmspropStep,
  adagradStep,
  adadeltaStep,
};
