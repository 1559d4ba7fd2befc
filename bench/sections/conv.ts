// conv2d rows: ms per call of `nb.F.conv2d` with bias, forward under noGrad and forward+backward
// with autograd (x.requiresGrad; conv(x, w, b).sum().backward()), on all threads.
import * as nb from "../../src/index.js";
import { bestTime, type Timing } from "./timing.js";
import { allCores } from "./threads.js";
import type { BenchOptions, Measure, Workload } from "./workload.js";

interface ConvShape {
  name: string;
  batch: number;
  cin: number;
  cout: number;
  size: number;
  k: number;
  pad: number;
}

const SHAPES: ConvShape[] = [
  {
    name: "LeNet conv1 (256, 1→6, 28², k5 p2)",
    batch: 256,
    cin: 1,
    cout: 6,
    size: 28,
    k: 5,
    pad: 2,
  },
  {
    name: "LeNet conv2 (256, 6→16, 14², k5)",
    batch: 256,
    cin: 6,
    cout: 16,
    size: 14,
    k: 5,
    pad: 0,
  },
  {
    name: "ResNet 3×3 (32, 64→64, 28², k3 p1)",
    batch: 32,
    cin: 64,
    cout: 64,
    size: 28,
    k: 3,
    pad: 1,
  },
];

/** Times one shape on nabla: the fastest of `samples` calls, in ms, with its page faults. */
function timeNabla(s: ConvShape, mode: "fwd" | "fwdBwd", samples: number): Measure {
  nb.manualSeed(0);
  const x = nb.randn([s.batch, s.cin, s.size, s.size], { requiresGrad: true });
  const bound = 1 / Math.sqrt(s.cin * s.k * s.k); // nn.Conv2d's default init range
  const w = nb
    .rand([s.cout, s.cin, s.k, s.k])
    .mul(2 * bound)
    .sub(bound)
    .requiresGrad_();
  const b = nb
    .rand([s.cout])
    .mul(2 * bound)
    .sub(bound)
    .requiresGrad_();
  const conv = () => nb.F.conv2d(x, w, b, { padding: s.pad });
  const ms = (t: Timing): Measure => ({ value: t.seconds * 1e3, faults: t.faults });
  if (mode === "fwd") return ms(nb.noGrad(() => bestTime(conv, samples)));
  const step = () => {
    x.grad = w.grad = b.grad = null;
    conv().sum().backward();
  };
  return ms(bestTime(step, samples));
}

/** The conv rows: each shape, forward then forward+backward. */
export function convWorkloads(opts: BenchOptions): Workload[] {
  const samples = opts.quick ? 5 : 20;
  return SHAPES.flatMap((s) =>
    (["fwd", "fwdBwd"] as const).map((mode): Workload => ({
      section: "conv",
      name: `${s.name} ${mode === "fwd" ? "fwd" : "fwd+bwd"}`,
      unit: "ms",
      higherIsBetter: false,
      nabla: () => timeNabla(s, mode, samples),
      torch: { kind: "conv", ...s, name: undefined, mode, threads: allCores(), samples },
      target: { ratio: 1.5 },
    })),
  );
}
