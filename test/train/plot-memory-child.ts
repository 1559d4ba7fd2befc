// Child process of plot.test.ts: rasterizes the same chart `renders` times and prints the
// resident memory (RSS) after a warm-up and at the end, as JSON, so the parent can bound its
// growth. Between renders the event loop turns, as between a training run's epochs.
import { renderPlotSvg, svgToPng } from "../../src/train/plot.js";

const renders = Number(process.argv[2] ?? 20);
const svg = await renderPlotSvg(
  { "train loss": [0.9, 0.6, 0.5, 0.45], "test acc": [0.7, 0.78, 0.8, 0.83] },
  { xlim: [1, 10] },
);
const turn = () => new Promise((resolve) => setImmediate(resolve));
for (let i = 0; i < 2; i++) await svgToPng(svg, 2);
await turn();
const before = process.memoryUsage().rss;
for (let i = 0; i < renders; i++) {
  await svgToPng(svg, 2);
  await turn();
}
const after = process.memoryUsage().rss;
process.stdout.write(`${JSON.stringify({ before, after })}\n`);
