// Training curves as files: d2l's Animator, written as an SVG line chart (vega-lite, rendered
// headlessly by vega) and a PNG of it (resvg in a worker thread, svg-to-png.ts: no system
// libraries, nothing downloaded at install), plus metrics tables as CSV and JSON. Every write is atomic.
//
// vega is imported lazily, on the first plot, so importing this module costs nothing.
import { writeFileAtomic } from "../io/files.js";
import { svgToPng } from "./svg-to-png.js";

export { svgToPng } from "./svg-to-png.js";

/** One curve: y values at x = 1, 2, 3... (epochs), or explicit points, e.g. `[0.9, 0.5]` or `{ x: [0.5, 1], y: [0.9, 0.5] }`. */
export type SeriesData =
  | ArrayLike<number | null | undefined>
  | { x: ArrayLike<number>; y: ArrayLike<number | null | undefined> };

/** Named curves in legend order, e.g. `{ "train loss": [0.9, 0.5], "test acc": [0.7, 0.8] }`. */
export type Series = Record<string, SeriesData>;

/** Chart options, as d2l's Animator takes them, e.g. `{ xlabel: "epoch", xlim: [1, 10], ylim: [0.3, 0.9] }`. */
export interface PlotOptions {
  title?: string;
  /** Default `"epoch"`. */
  xlabel?: string;
  ylabel?: string;
  xlim?: [number, number];
  ylim?: [number, number];
  xscale?: "linear" | "log";
  yscale?: "linear" | "log";
  /** Plot area size in CSS pixels; default 400 x 250. */
  width?: number;
  height?: number;
  /** PNG pixels per SVG pixel; default 2. */
  pngScale?: number;
}

interface Point {
  series: string;
  x: number;
  y: number;
}

/** Flatten named series into points, dropping missing or non-finite values (as d2l's Animator skips None). */
function toPoints(series: Series): Point[] {
  const points: Point[] = [];
  for (const [name, data] of Object.entries(series)) {
    const xs = "x" in data && "y" in data ? data.x : undefined;
    const ys = xs
      ? (data as { y: ArrayLike<number | null | undefined> }).y
      : (data as ArrayLike<number>);
    if (xs && xs.length !== ys.length) {
      throw new Error(`plot: series "${name}" has ${xs.length} x values but ${ys.length} y values`);
    }
    for (let i = 0; i < ys.length; i++) {
      const x = xs ? xs[i]! : i + 1;
      const y = ys[i];
      if (typeof y === "number" && Number.isFinite(y) && Number.isFinite(x))
        points.push({ series: name, x, y });
    }
  }
  return points;
}

/** The vega-lite spec of a line chart of `series`; exported so callers can tweak and render it themselves. */
export function lineChartSpec(series: Series, options: PlotOptions = {}): Record<string, unknown> {
  const names = Object.keys(series);
  const scale = (lim: [number, number] | undefined, type: string | undefined) => ({
    ...(lim ? { domain: lim, nice: false } : {}),
    ...(type === "log" ? { type: "log" } : { zero: false }),
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...(options.title ? { title: options.title } : {}),
    width: options.width ?? 400,
    height: options.height ?? 250,
    background: "white",
    data: { values: toPoints(series) },
    mark: { type: "line", point: { size: 24 }, strokeWidth: 2, clip: true },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        title: options.xlabel ?? "epoch",
        scale: scale(options.xlim, options.xscale),
      },
      y: {
        field: "y",
        type: "quantitative",
        title: options.ylabel ?? null,
        scale: scale(options.ylim, options.yscale),
      },
      color: {
        field: "series",
        type: "nominal",
        sort: names,
        title: null,
        legend: { orient: "right", symbolType: "stroke", symbolStrokeWidth: 2 },
      },
      strokeDash: { field: "series", type: "nominal", sort: names, title: null },
    },
    config: { font: "DejaVu Sans, Arial, Helvetica, sans-serif", axis: { grid: true } },
  };
}

/**
 * Render `series` as an SVG line chart (x = epoch by default).
 * @example const svg = await renderPlotSvg({ "train loss": [0.9, 0.6, 0.5] }, { ylim: [0, 1] });
 */
export async function renderPlotSvg(series: Series, options: PlotOptions = {}): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vegaLite.compile(lineChartSpec(series, options) as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Strip a trailing `.svg` or `.png` so that `writePlot("a.png")` and `writePlot("a")` both write a.svg and a.png. */
function basePath(path: string): string {
  return path.replace(/\.(svg|png)$/i, "");
}

/**
 * Write `series` as `<path>.svg` and `<path>.png` (atomically); returns both paths.
 * @example await writePlot("runs/lenet/curves", { "train loss": losses, "test acc": accs }, { xlim: [1, 10] });
 */
export async function writePlot(
  path: string,
  series: Series,
  options: PlotOptions = {},
): Promise<{ svg: string; png: string }> {
  const base = basePath(path);
  const svg = await renderPlotSvg(series, options);
  const png = await svgToPng(svg, options.pngScale ?? 2);
  writeFileAtomic(`${base}.svg`, svg);
  writeFileAtomic(`${base}.png`, png);
  return { svg: `${base}.svg`, png: `${base}.png` };
}

/**
 * d2l's Animator, as files: collect points while training, then `save` an SVG and a PNG.
 * @example const a = new Animator({ xlabel: "epoch", xlim: [1, 10], legend: ["train loss", "train acc", "test acc"] });
 * a.add(epoch + 1, [loss, trainAcc, testAcc]); await a.save("runs/lenet/curves");
 */
export class Animator {
  /** The collected points, by series name in legend order. */
  readonly series: Record<string, { x: number[]; y: (number | undefined)[] }> = Object.create(null);
  readonly options: PlotOptions;
  private readonly legend: string[];

  constructor(options: PlotOptions & { legend?: string[] } = {}) {
    const { legend, ...rest } = options;
    this.options = rest;
    this.legend = legend ?? [];
    for (const name of this.legend) this.series[name] = { x: [], y: [] };
  }

  /**
   * Add one point per series at `x`: values in legend order (undefined skips a series) or by name.
   * @example animator.add(1.5, { "train loss": 0.42 });
   */
  add(x: number, values: ArrayLike<number | undefined> | Record<string, number | undefined>): void {
    const entries: [string, number | undefined][] =
      typeof (values as ArrayLike<number>).length === "number"
        ? Array.from(values as ArrayLike<number | undefined>, (v, i) => {
            const name = this.legend[i];
            if (name === undefined)
              throw new Error(
                `Animator.add: value ${i} has no legend entry (legend has ${this.legend.length})`,
              );
            return [name, v] as [string, number | undefined];
          })
        : Object.entries(values);
    for (const [name, y] of entries) {
      if (y === undefined) continue;
      const s = (this.series[name] ??= { x: [], y: [] });
      s.x.push(x);
      s.y.push(y);
    }
  }

  /** Render the collected curves as an SVG string. */
  svg(): Promise<string> {
    return renderPlotSvg(this.series, this.options);
  }

  /** Write `<path>.svg` and `<path>.png`; returns both paths. */
  save(path: string): Promise<{ svg: string; png: string }> {
    return writePlot(path, this.series, this.options);
  }
}

/** A row of metrics, e.g. `{ epoch: 1, "train loss": 0.52, "test acc": 0.81 }`. */
export type MetricsRow = Record<string, number | string | boolean | null | undefined>;

function csvField(value: MetricsRow[string]): string {
  if (value === null || value === undefined) return "";
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Format rows as CSV (RFC 4180): columns are the keys in order of first appearance, missing values empty.
 * @example metricsToCsv([{ epoch: 1, loss: 0.5 }]); // "epoch,loss\n1,0.5\n"
 */
export function metricsToCsv(rows: readonly MetricsRow[]): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  const lines = [columns.map(csvField).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(","));
  return `${lines.join("\n")}\n`;
}

/**
 * Write rows of metrics as a CSV file, atomically.
 * @example writeMetricsCsv("runs/lenet/metrics.csv", [{ epoch: 1, "train loss": 0.52, "test acc": 0.81 }]);
 */
export function writeMetricsCsv(path: string, rows: readonly MetricsRow[]): void {
  writeFileAtomic(path, metricsToCsv(rows));
}

/**
 * Write rows of metrics as a JSON array, atomically (non-finite numbers become null, as in JSON.stringify).
 * @example writeMetricsJson("runs/lenet/metrics.json", [{ epoch: 1, "test acc": 0.81 }]);
 */
export function writeMetricsJson(path: string, rows: readonly MetricsRow[]): void {
  writeFileAtomic(path, `${JSON.stringify(rows, null, 2)}\n`);
}
