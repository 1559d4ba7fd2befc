import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { PNG } from "pngjs";
import {
  Animator,
  lineChartSpec,
  metricsToCsv,
  renderPlotSvg,
  svgToPng,
  writeMetricsCsv,
  writeMetricsJson,
  writePlot,
} from "../../src/train/plot.js";

const dir = mkdtempSync(join(tmpdir(), "nabla-plot-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const SERIES = {
  "train loss": [0.9, 0.6, 0.5, 0.45, 0.42],
  "train acc": [0.65, 0.77, 0.81, 0.83, 0.84],
  "test acc": [0.7, 0.78, 0.8, null, 0.83],
};

/** Count pixels within `tol` of an RGB colour. */
function countColor(png: PNG, [r, g, b]: [number, number, number], tol = 40): number {
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const d =
      Math.abs(png.data[i]! - r) + Math.abs(png.data[i + 1]! - g) + Math.abs(png.data[i + 2]! - b);
    if (d < tol && png.data[i + 3]! > 200) n++;
  }
  return n;
}

test("lineChartSpec: x = epoch from 1, missing values dropped, legend in series order", () => {
  const spec = lineChartSpec(SERIES, { ylim: [0.3, 0.9] }) as any;
  const points = spec.data.values;
  assert.equal(points.length, 14);
  assert.deepEqual(points[0], { series: "train loss", x: 1, y: 0.9 });
  assert.deepEqual(
    points.filter((p: any) => p.series === "test acc").map((p: any) => p.x),
    [1, 2, 3, 5],
  );
  assert.deepEqual(spec.encoding.color.sort, ["train loss", "train acc", "test acc"]);
  assert.deepEqual(spec.encoding.y.scale.domain, [0.3, 0.9]);
  assert.equal(spec.encoding.x.title, "epoch");
  assert.throws(
    () => lineChartSpec({ a: { x: [1, 2], y: [1] } }),
    /series "a" has 2 x values but 1 y values/,
  );
});

test("writePlot writes an SVG with one line per series and a PNG with visible lines", async () => {
  const paths = await writePlot(join(dir, "curves.png"), SERIES, {
    xlim: [1, 5],
    ylim: [0.3, 0.9],
    title: "LeNet",
  });
  assert.deepEqual(paths, { svg: join(dir, "curves.svg"), png: join(dir, "curves.png") });
  const svg = readFileSync(paths.svg, "utf8");
  assert.match(svg, /^<svg[^>]*width="\d+" height="\d+"/);
  for (const name of ["train loss", "train acc", "test acc", "epoch", "LeNet"])
    assert.ok(svg.includes(`>${name}<`), name);
  // vega's default palette: #4c78a8, #f58518, #e45756 for the three lines.
  for (const color of ["#4c78a8", "#f58518", "#e45756"])
    assert.ok(svg.includes(`stroke="${color}"`), color);

  const png = PNG.sync.read(readFileSync(paths.png));
  assert.ok(png.width > 800 && png.height > 400, `${png.width}x${png.height}`);
  assert.ok(countColor(png, [255, 255, 255]) > png.width * png.height * 0.5, "white background");
  for (const rgb of [
    [0x4c, 0x78, 0xa8],
    [0xf5, 0x85, 0x18],
    [0xe4, 0x57, 0x56],
  ] as [number, number, number][]) {
    assert.ok(
      countColor(png, rgb) > 500,
      `lines of colour ${rgb} are drawn (${countColor(png, rgb)} px)`,
    );
  }
  assert.ok(countColor(png, [0, 0, 0], 150) > 500, "dark text and axes are drawn");
  assert.deepEqual(readdirSync(dir).sort(), ["curves.png", "curves.svg"]);
});

test("Animator collects points at fractional x and skips undefined values", async () => {
  const a = new Animator({
    xlabel: "epoch",
    xlim: [1, 2],
    legend: ["train loss", "train acc", "test acc"],
  });
  for (let epoch = 0; epoch < 2; epoch++) {
    for (let i = 0; i < 4; i++)
      a.add(epoch + (i + 1) / 4, [1 / (epoch + 1 + i), 0.5 + 0.1 * i, undefined]);
    a.add(epoch + 1, [undefined, undefined, [0.7, 0.8][epoch]]);
  }
  a.add(2.5, { lr: 0.1 });
  assert.deepEqual(Object.keys(a.series), ["train loss", "train acc", "test acc", "lr"]);
  assert.deepEqual(a.series["test acc"], { x: [1, 2], y: [0.7, 0.8] });
  assert.deepEqual(a.series["train loss"]!.x, [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
  assert.throws(() => a.add(3, [1, 2, 3, 4]), /value 3 has no legend entry/);
  const named = new Animator();
  named.add(1, JSON.parse('{"__proto__": 0.5}'));
  assert.deepEqual(Object.keys(named.series), ["__proto__"]);
  const svg = await a.svg();
  assert.ok(svg.includes(">test acc<"));
  const paths = await a.save(join(dir, "anim"));
  assert.ok(PNG.sync.read(readFileSync(paths.png)).width > 0);
  rmSync(paths.svg);
  rmSync(paths.png);
});

test("PNG rendering leaves no memory behind: RSS after 20 more renders stays within 20 MB", () => {
  // resvg-js kept ~3 MB of native memory per synchronous render (the pixmap, invisible to V8),
  // so a training run grew with every epoch's curves; 20 renders grew the RSS by ~65 MB.
  const child = fileURLToPath(new URL("./plot-memory-child.ts", import.meta.url));
  const out = execFileSync(process.execPath, ["--import", "tsx", child, "20"], {
    encoding: "utf8",
  });
  const { before, after } = JSON.parse(out) as { before: number; after: number };
  const grownMb = (after - before) / 2 ** 20;
  assert.ok(grownMb < 20, `RSS grew by ${grownMb.toFixed(1)} MB over 20 renders`);
});

test("svgToPng: an unreadable SVG is an error naming svgToPng", async () => {
  await assert.rejects(svgToPng("<not-svg"), /^Error: svgToPng: resvg failed \(.+\)$/);
  await assert.rejects(svgToPng("<svg/>", 0), /svgToPng: scale must be a positive number, got 0/);
});

test("renderPlotSvg works with no data at all", async () => {
  assert.match(await renderPlotSvg({}), /^<svg/);
});

test("metrics as CSV (RFC 4180) and JSON", () => {
  const rows = [
    { epoch: 1, "train loss": 0.5, note: 'a "quoted", text' },
    { epoch: 2, "train loss": 0.25, "test acc": 0.875 },
    { epoch: 3, "train loss": Number.NaN, note: null },
  ];
  const csv = metricsToCsv(rows);
  assert.equal(
    csv,
    'epoch,train loss,note,test acc\n1,0.5,"a ""quoted"", text",\n2,0.25,,0.875\n3,NaN,,\n',
  );
  writeMetricsCsv(join(dir, "m.csv"), rows);
  assert.equal(readFileSync(join(dir, "m.csv"), "utf8"), csv);
  writeMetricsJson(join(dir, "m.json"), rows);
  const back = JSON.parse(readFileSync(join(dir, "m.json"), "utf8"));
  assert.deepEqual(back[1], rows[1]);
  assert.equal(back[2]["train loss"], null);
  assert.equal(metricsToCsv([]), "\n");
  rmSync(join(dir, "m.csv"));
  rmSync(join(dir, "m.json"));
});
