// A fixed block on V8's own heap, made once a process has allocated a lot of tensor memory.
//
// Why: V8 starts marking for a full mark-compact once the room left under its old-generation
// limit is less than the young generation's capacity (as we read its heuristics), and it sizes
// that limit from the old generation's live size. A training script's heap is small (about
// 10 MB of objects) while every step allocates megabytes of ArrayBuffers, so the limit has too
// little room and a mark-compact starts every few tens of milliseconds. Measured on the MLP in a plain script: up to 35-38 mark-compacts an
// epoch, up to 0.43 ms of GC per step and 109-132k examples/s; with this ballast 15-16 scavenges
// and no mark-compact per epoch, 0.04-0.08 ms of GC per step and 156-178k examples/s. Making it
// costs about 0.1 s once (its pages); marking double arrays costs nothing (they hold no
// pointers). NABLA_GC_BALLAST_MB sets its size (0: none).

const BALLAST_MIB = Number(process.env.NABLA_GC_BALLAST_MB ?? 32);
// Only processes that allocate this much tensor memory get the ballast (short scripts do not).
const AFTER_BYTES = 256 * 2 ** 20;
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
