// The body of a DataLoader worker thread: rebuilds the transform from its JSON spec, then turns
// each batch input it receives into the transformed batch (see worker-pool.ts for the protocol).
// A worker thread loads its own copy of nabla: like the main thread's `import "nabla"`, it first
// sets up the Node side (the memory limit; the pool starts workers with NABLA_BACKEND=js).
import "../backend/node/setup.js";
import { workerData } from "node:worker_threads";
import { Tensor } from "../tensor/tensor.js";
import { applyPerSample } from "./batch-transform.js";
import { transformFromSpec } from "./transforms.js";
import type { WorkerInit, WorkerReply, WorkerTask } from "./worker-pool.js";

const { port, signal, spec } = workerData as WorkerInit;
const transform = transformFromSpec(spec);

port.on("message", (task: WorkerTask) => {
  let reply: WorkerReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const input = Tensor.fromArray(task.data, task.shape);
    const out = applyPerSample(input, transform, task.seed);
    let data = out.storage.data;
    if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice();
    reply = { id: task.id, dtype: out.dtype, shape: out.shape.slice(), data };
    transfer = [data.buffer as ArrayBuffer];
  } catch (e) {
    const err = e as Error;
    reply = { id: task.id, error: err?.message ?? String(e), stack: err?.stack };
  }
  port.postMessage(reply, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
