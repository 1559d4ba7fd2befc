// Interference from other processes. The machine is shared, and a 2-thread kernel (nabla's pool or
// PyTorch's OpenMP) stalls whenever another process takes one of the 2 cores: a single busy
// neighbour slows both sides 2-20x. So each measurement counts the CPU time that processes other
// than the bench's used meanwhile (all CPU time in /proc/stat minus the bench's own), and the
// runner waits for a quiet machine and measures again when it was disturbed.
import { existsSync, readFileSync } from "node:fs";
import { now } from "./timing.js";

const TICK = 100; // USER_HZ: /proc reports CPU time in 1/100 s on Linux
const available = existsSync("/proc/stat");

/** CPU seconds used by the whole machine and by the bench's processes, at time `t`. */
export interface Usage {
  busy: number;
  ours: number;
  t: number;
}

/** Busy (non-idle, non-steal) CPU seconds of all processes since boot. */
function machineBusy(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).map(Number);
  // cpu user nice system idle iowait irq softirq steal ...
  return (f[1]! + f[2]! + f[3]! + f[6]! + f[7]!) / TICK;
}

/** CPU seconds of a process (with its reaped children's when `children`), 0 once it has exited. */
function processCpu(pid: number | "self", children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    // Fields after the name, from state (index 0): utime 11, stime 12, cutime 13, cstime 14.
    return (f[11]! + f[12]! + (children ? f[13]! + f[14]! : 0)) / TICK;
  } catch {
    return 0;
  }
}

/** A sample of CPU usage; `pids` are the bench's other live processes (the torch workers). */
export function sampleUsage(pids: readonly number[]): Usage | null {
  if (!available) return null;
  // This process with the children it has waited for (the training child rows).
  let ours = processCpu("self", true);
  for (const pid of pids) ours += processCpu(pid);
  return { busy: machineBusy(), ours, t: now() };
}

/** Average cores that other processes used between two samples (0 when unknown). */
export function otherCores(a: Usage | null, b: Usage | null): number {
  if (a === null || b === null || b.t - a.t <= 0) return 0;
  // One tick of rounding on each counter: ignore less than that.
  const other = b.busy - a.busy - (b.ours - a.ours) - 2 / TICK;
  return Math.max(0, other) / (b.t - a.t);
}

/** Waits (up to `maxSeconds`) for a second in which other processes use under `cores` cores. */
export async function waitQuiet(
  pids: readonly number[],
  cores: number,
  maxSeconds: number,
): Promise<boolean> {
  const end = now() + maxSeconds;
  while (now() < end) {
    const a = sampleUsage(pids);
    await new Promise((r) => setTimeout(r, 1000));
    if (otherCores(a, sampleUsage(pids)) < cores) return true;
  }
  return false;
}
