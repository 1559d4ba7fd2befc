import { allocArray } from "../../tensor/dtype.js";
import type { Backend } from "../backend.js";
import { assign, binary, copy, unary, unaryBackward, where } from "./elementwise.js";
import { gather, indexAdd, indexSelect, scatter, scatterAdd } from "./indexing.js";
import { matmul } from "./linalg.js";
import { argReduce, cumsum, reduce, softmax, softmaxBackward } from "./reduce.js";

/** The reference backend: every kernel in plain TypeScript over typed arrays. */
export const jsBackend: Backend = {
  name: "js",
  alloc: allocArray,
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
};
