// A fixed block on V8's own heap, made once a process has allocated a lot of tensor memory.
//
// Why: V8 starts marking for a full mark-compact when the room left under its heap limits runs
// short, and it sizes those limits from what was live at the last mark-compact. A training
// script's heap is small (about 10 MB of objects) while every step allocates megabytes of
// ArrayBuffers, so a mark-compact started every few tens of milliseconds. Measured in plain
// training scripts of 2-5 epochs: without a ballast 50 mark-compacts (MLP) and 165 (LeNet); with
// 2 to 32 MiB of ballast 4-11, nearly all before it was made (one LeNet run with 32 MiB still had
// 71), and 11-16% (MLP) and 20-40% (LeNet) more examples/s. Beyond a few MiB the size did not
// matter, but making it costs about 4 ms per MiB (its pages fault in one by one): 32 MiB had
// made one MLP step of the first epoch 120 ms long. Marking double arrays costs nothing (they
// hold no pointers). NABLA_GC_BALLAST_MB sets its size (0: none).
import { settings } from "../config.js";

const BALLAST_MIB = settings.gcBallastMiB;
// Only processes that allocate this much tensor memory get the ballast (short scripts do not).
const AFTER_BYTES = 64 * 2 ** 20;
// Made of 512 KiB double arrays copied from one template: a single `new Array(n).fill(x)` would
// first build an n-slot array of small integers and then convert it, touching twice the memory
// (each new page costs a fault, microseconds on a VM).
const CHUNK_DOUBLES = 65536;
const CHUNKS_PER_MIB = 2 ** 20 / (8 * CHUNK_DOUBLES);

let allocated = 0;
let ballast: number[][] | null = null;

/** Counts `bytes` of tensor memory handed out; makes the ballast once enough has been. */
export function noteAllocation(bytes: number): void {
  if (ballast !== null) return;
  allocated += bytes;
  if (allocated < AFTER_BYTES || !(BALLAST_MIB > 0)) return;
  const template = new Array<number>(CHUNK_DOUBLES).fill(0.5);
  ballast = [];
  for (let i = Math.round(BALLAST_MIB * CHUNKS_PER_MIB); i > 0; i--) ballast.push(template.slice());
}

/** The ballast's size in MiB, 0 until it is made. Example: `gcBallastMiB()`. */
export function gcBallastMiB(): number {
  return ballast === null ? 0 : ballast.length / CHUNKS_PER_MIB;
}
