// Worker threads that run a DataLoader's per-sample transform on whole batches.
//
// Each worker owns a MessageChannel and a shared counter. A worker posts its result, then bumps
// the counter and notifies it. The main thread reads results with `receiveMessageOnPort`, and in
// between it blocks on the counter: `Atomics.wait` for `for...of`, `Atomics.waitAsync` for
// `for await`. So both kinds of iteration use the same parallel workers. Workers are `unref`'d, so
// they never keep the process alive, and they persist across epochs until `close()`.
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import type { DType, TypedArray } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import type { TransformSpec } from "./transform-utils.js";

/** A batch input sent to a worker. */
export interface WorkerTask {
  id: number;
  seed: number;
  dtype: DType;
  shape: readonly number[];
  data: TypedArray;
}

/** A worker's reply: the transformed batch or an error. */
export interface WorkerReply {
  id: number;
  dtype?: DType;
  shape?: number[];
  data?: TypedArray;
  error?: string;
  stack?: string;
}

/** The data a worker starts with. */
export interface WorkerInit {
  port: MessagePort;
  signal: Int32Array;
  spec: TransformSpec;
  /** The worker module to load, and tsx's API when running from TypeScript sources. */
  url: string;
  tsx: string | undefined;
}

interface Slot {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
  failure: Error | null;
  /** Replies received for other tasks than the one being waited for. */
  stash: Map<number, WorkerReply>;
  /** Tasks whose replies are to be dropped. */
  discarded: Set<number>;
}

/** Which worker runs a task, and the task's id. */
export type Ticket = { slot: number; id: number };

// Under tsx the sources run as .ts; once built they are .js next to this file. A .ts worker needs
// tsx's loader registered inside the worker (Node 20 does not carry it over), hence a small
// bootstrap script, which also reports a worker that fails to start (as reply id -1).
const RUNNING_TS = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(RUNNING_TS ? "./worker.ts" : "./worker.js", import.meta.url).href;
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
(async () => {
  try {
    if (workerData.tsx) (await import(workerData.tsx)).register();
    await import(workerData.url);
  } catch (e) {
    workerData.port.postMessage({ id: -1, error: "could not start: " + ((e && e.stack) || e) });
    Atomics.add(workerData.signal, 0, 1);
    Atomics.notify(workerData.signal, 0);
  }
})();
`;

function tsxApi(): string | undefined {
  if (!RUNNING_TS) return undefined;
  try {
    return import.meta.resolve("tsx/esm/api");
  } catch {
    return undefined;
  }
}

const POLL_MS = 50;

// Node 20 has Atomics.waitAsync; the ES2023 typings this project compiles against do not.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      i: number,
      v: number,
      t: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/**
 * A fixed set of transform workers. Example: `const pool = new WorkerPool(2, spec);
 * const t = pool.submit(batch, seed); const out = pool.waitSync(t);`.
 */
export class WorkerPool {
  readonly #slots: Slot[];
  #nextId = 0;
  #closed = false;

  constructor(
    readonly size: number,
    spec: TransformSpec,
    readonly timeoutMs = 0,
  ) {
    this.#slots = Array.from({ length: size }, () => {
      const { port1, port2 } = new MessageChannel();
      const signal = new Int32Array(new SharedArrayBuffer(4));
      const init: WorkerInit = { port: port2, signal, spec, url: WORKER_URL, tsx: tsxApi() };
      // Transforms run on typed arrays, never on backend kernels: the js backend spares each
      // worker from loading the native addon (and its thread pool).
      const worker = new Worker(BOOTSTRAP, {
        eval: true,
        workerData: init,
        transferList: [port2],
        env: { ...process.env, NABLA_BACKEND: "js" },
      });
      const slot: Slot = {
        worker,
        port: port1,
        signal,
        failure: null,
        stash: new Map(),
        discarded: new Set(),
      };
      worker.on(
        "error",
        (e: unknown) => (slot.failure = e instanceof Error ? e : new Error(String(e))),
      );
      worker.on("exit", (code) => {
        slot.failure ??= new Error(`DataLoader worker exited unexpectedly with code ${code}`);
        // Wake a waiter so that it sees the failure.
        Atomics.add(signal, 0, 1);
        Atomics.notify(signal, 0);
      });
      worker.unref();
      return slot;
    });
  }

  /** Sends a batch input to the worker that serves batch number `b`; returns the task's ticket. */
  submit(b: number, input: Tensor, seed: number, transferable: boolean): Ticket {
    if (this.#closed) throw new Error("DataLoader: the worker pool was closed");
    const id = this.#nextId++;
    const slot = b % this.size;
    let data = input.isContiguous()
      ? input.storage.data.subarray(input.offset, input.offset + input.numel())
      : input.data();
    const ownsBuffer = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    if (!ownsBuffer) data = data.slice();
    const task: WorkerTask = { id, seed, dtype: input.dtype, shape: input.shape.slice(), data };
    const transfer = transferable || !ownsBuffer ? [data.buffer as ArrayBuffer] : [];
    this.#slots[slot].port.postMessage(task, transfer);
    return { slot, id };
  }

  /** Blocks until the ticket's result arrives. */
  waitSync(ticket: Ticket): Tensor {
    const s = this.#slots[ticket.slot];
    const start = Date.now();
    for (;;) {
      const seen = Atomics.load(s.signal, 0);
      const reply = this.#take(s, ticket.id);
      if (reply) return this.#unpack(reply, ticket.slot);
      this.#checkAlive(s, ticket.slot, start);
      Atomics.wait(s.signal, 0, seen, POLL_MS);
    }
  }

  /** Resolves when the ticket's result arrives, without blocking the event loop. */
  async waitAsync(ticket: Ticket): Promise<Tensor> {
    const s = this.#slots[ticket.slot];
    const start = Date.now();
    // A pending waitAsync does not keep Node's event loop alive (and the workers are unref'd):
    // hold a timer while waiting, or a top-level `for await` would just end the process.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      for (;;) {
        const seen = Atomics.load(s.signal, 0);
        const reply = this.#take(s, ticket.id);
        if (reply) return this.#unpack(reply, ticket.slot);
        this.#checkAlive(s, ticket.slot, start);
        const waited = waitAsync(s.signal, 0, seen, POLL_MS);
        if (waited.async) await waited.value;
      }
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Terminates the workers. Example: `await pool.close()`. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#slots.map(async (s) => {
        s.failure ??= new Error("DataLoader: the worker pool was closed");
        s.port.close();
        await s.worker.terminate();
      }),
    );
  }

  /**
   * Forgets a task whose result nobody will read (an epoch left early with `break`): its reply is
   * dropped when it arrives. Example: `pool.discard(ticket)`.
   */
  discard(ticket: Ticket): void {
    const s = this.#slots[ticket.slot];
    if (!s.stash.delete(ticket.id)) s.discarded.add(ticket.id);
  }

  // Replies arrive in each worker's task order, but two iterations of one loader may share the
  // pool: a reply for another task is kept for its owner, one for a discarded task is dropped.
  #take(s: Slot, id: number): WorkerReply | null {
    const kept = s.stash.get(id);
    if (kept !== undefined) {
      s.stash.delete(id);
      return kept;
    }
    for (;;) {
      const m = receiveMessageOnPort(s.port);
      if (m === undefined) return null;
      const reply = m.message as WorkerReply;
      if (reply.id === -1) {
        s.failure = new Error(reply.error);
        return reply;
      }
      if (reply.id === id) return reply;
      if (!s.discarded.delete(reply.id)) s.stash.set(reply.id, reply);
    }
  }

  #checkAlive(s: Slot, slot: number, start: number): void {
    if (s.failure) throw new Error(`DataLoader worker ${slot}: ${s.failure.message}`);
    if (this.timeoutMs > 0 && Date.now() - start > this.timeoutMs)
      throw new Error(`DataLoader worker ${slot}: no batch after ${this.timeoutMs} ms (timeout)`);
  }

  #unpack(reply: WorkerReply, slot: number): Tensor {
    if (reply.error !== undefined) {
      const error = new Error(`DataLoader worker ${slot}: ${reply.error}`);
      if (reply.stack) error.stack = `${error.message}\n  in the worker: ${reply.stack}`;
      throw error;
    }
    return Tensor.fromArray(reply.data!, reply.shape!);
  }
}
