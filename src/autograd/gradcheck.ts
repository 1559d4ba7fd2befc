import { defaultGenerator } from "../tensor/random.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { grad } from "./engine.js";

/** Options of `gradcheck`. */
export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw a descriptive error on failure (default) or return false. */
  raiseException?: boolean;
  /** Random projections of the output to check (each checks J^T v for a random v). */
  projections?: number;
}

/** The worst mismatch found by `gradcheck`. */
export interface GradcheckReport {
  ok: boolean;
  input: number;
  element: number;
  analytic: number;
  numeric: number;
}

// Storage offsets of each element of a (possibly strided) view, in row-major order.
function elementOffsets(t: Tensor): number[] {
  const out: number[] = [];
  const walk = (dim: number, pos: number) => {
    if (dim === t.ndim) {
      out.push(pos);
      return;
    }
    for (let i = 0; i < t.shape[dim]; i++) walk(dim + 1, pos + i * t.strides[dim]);
  };
  walk(0, t.offset);
  return out;
}

function toTensors(out: Tensor | readonly Tensor[]): Tensor[] {
  return out instanceof Tensor ? [out] : [...out];
}

/**
 * Compares the analytic gradients of `fn` at `inputs` (float64 tensors that require grad) with
 * central finite differences, and reports the worst element. Example:
 * `nb.gradcheck((x) => x.exp().sum(), [nb.randn([3], { dtype: "float64", requiresGrad: true })])`.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor | readonly Tensor[],
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): boolean {
  return gradcheckReport(fn, inputs, options).ok;
}

/** Like `gradcheck`, returning the worst mismatch instead of a boolean. */
export function gradcheckReport(
  fn: (...inputs: Tensor[]) => Tensor | readonly Tensor[],
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckReport {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raiseException = true, projections = 2 } = options;
  inputs.forEach((x, i) => {
    if (x.dtype !== "float64")
      throw new TypeError(
        `gradcheck: input ${i} must be float64 for accurate differences, got ${x.dtype}`,
      );
  });
  const differentiable = inputs.map((x, i) => (x.requiresGrad ? i : -1)).filter((i) => i >= 0);
  for (const i of differentiable) {
    // Perturbing a value that several elements share (an expanded view) would move them all.
    const offsets = elementOffsets(inputs[i]);
    if (new Set(offsets).size !== offsets.length)
      throw new Error(
        `gradcheck: input ${i} (shape ${fmtShape(inputs[i].shape)}) has elements that share memory (an expanded view); pass a contiguous copy`,
      );
  }
  if (differentiable.length === 0) throw new Error("gradcheck: no input requires grad");
  let worst: GradcheckReport = { ok: true, input: -1, element: -1, analytic: 0, numeric: 0 };
  let worstExcess = -Infinity;
  for (let p = 0; p < projections; p++) {
    const outs = toTensors(fn(...inputs));
    const weights = outs.map((o) => {
      const w = new Float64Array(o.numel());
      for (let k = 0; k < w.length; k++) w[k] = defaultGenerator.normal();
      return w;
    });
    // The scalar v . f(x): its gradient is J^T v.
    const project = (values: Tensor[]) =>
      values.reduce((acc, o, k) => {
        const data = o.data();
        let s = 0;
        for (let j = 0; j < data.length; j++) s += data[j] * weights[k][j];
        return acc + s;
      }, 0);
    const scalar = outs
      .map((o, k) => o.mul(Tensor.fromArray(weights[k], o.shape.slice()).to(o.dtype)).sum())
      .reduce((a, b) => a.add(b));
    const analytic = grad(
      scalar,
      differentiable.map((i) => inputs[i]),
      { allowUnused: true },
    );
    differentiable.forEach((inputIndex, k) => {
      const x = inputs[inputIndex];
      const data = x.storage.data;
      const g = analytic[k]?.data() ?? new Float64Array(x.numel());
      elementOffsets(x).forEach((offset, element) => {
        const saved = data[offset];
        data[offset] = saved + eps;
        // Not under noGrad: fn may itself call grad() (second-order checks).
        const plus = project(toTensors(fn(...inputs)));
        data[offset] = saved - eps;
        const minus = project(toTensors(fn(...inputs)));
        data[offset] = saved;
        const numeric = (plus - minus) / (2 * eps);
        const excess = Math.abs(g[element] - numeric) - (atol + rtol * Math.abs(numeric));
        if (excess > worstExcess || Number.isNaN(excess)) {
          worstExcess = Number.isNaN(excess) ? Infinity : excess;
          worst = { ok: excess <= 0, input: inputIndex, element, analytic: g[element], numeric };
        }
      });
    });
  }
  if (!worst.ok && raiseException) {
    const x = inputs[worst.input];
    throw new Error(
      `gradcheck: gradients mismatch for input ${worst.input} (shape ${fmtShape(x.shape)}) at element ${worst.element}: analytic ${worst.analytic}, numeric ${worst.numeric}`,
    );
  }
  return worst;
}
