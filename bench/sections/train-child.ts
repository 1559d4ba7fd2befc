// Runs one nabla training row in a fresh process: the row starts from a fresh heap, whatever ran
// before it, and can run under another environment (glibc malloc reads its variables once, at
// process start). Prints one JSON Measure.
// Usage (by bench/sections/train.ts): node --import tsx train-child.ts '<JSON ChildSpec>'
import { readFileSync } from "node:fs";
import { getBackend } from "../../src/index.js";
import { trainEpochs, type TrainSpec } from "./train-epoch.js";

/** A TrainSpec whose data are raw uint8 files, as torch_worker.py reads them. */
export type ChildSpec = Omit<TrainSpec, "images" | "labels"> & { images: string; labels: string };

const spec = JSON.parse(process.argv[2]!) as ChildSpec;
const measure = trainEpochs({
  ...spec,
  images: new Uint8Array(readFileSync(spec.images)),
  labels: new Uint8Array(readFileSync(spec.labels)),
});
// The backend too: the addon may be missing in the child (e.g. being rebuilt) and not in the parent.
console.log(JSON.stringify({ ...measure, backend: getBackend().name }));
