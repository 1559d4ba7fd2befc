// Timing helpers shared by the sections; bench/torch_worker.py's best_time mirrors `bestTime`, so
// both sides of a row are measured the same way.

/** Seconds since an arbitrary origin, at nanosecond resolution. */
export const now = (): number => Number(process.hrtime.bigint()) / 1e9;

/** A timing: seconds per call of the best sample, and that sample's minor page faults per call. */
export interface Timing {
  seconds: number;
  faults: number;
}

/**
 * Times `fn` over `samples` samples of `inner` calls each, after a warm-up of at least one
 * sample's worth of calls and `warmupSeconds` (the JIT and the thread pool warm). The best sample
 * is the one least disturbed by the rest of the machine.
 * Example: `bestTime(() => nb.matmul(a, b), 5, 10).seconds`.
 */
export function bestTime(
  fn: () => unknown,
  samples: number,
  inner = 1,
  warmupSeconds = 0.25,
): Timing {
  const t0 = now();
  for (let i = 0; i < Math.max(2, inner) || now() - t0 < warmupSeconds; i++) fn();
  let best: Timing = { seconds: Number.POSITIVE_INFINITY, faults: 0 };
  for (let s = 0; s < samples; s++) {
    const f0 = minorFaults();
    const start = now();
    for (let i = 0; i < inner; i++) fn();
    const seconds = (now() - start) / inner;
    if (seconds < best.seconds) best = { seconds, faults: (minorFaults() - f0) / inner };
  }
  return best;
}

/** Minor page faults of this process so far (each costs several µs on a VM). */
export const minorFaults = (): number => process.resourceUsage().minorPageFault;
