// SVG to PNG with resvg (@resvg/resvg-js, a prebuilt native package), in a short-lived worker
// thread.
//
// Why a worker: resvg-js 2.6 frees the native memory of a render (the pixmap, about 3 MB for a
// 400 x 250 chart at scale 2, and the system fonts it loads on every call) only when V8 collects
// the small JS objects that wrap it, and V8, which does not see that memory, rarely does: a
// training run grew by 3-5 MB per epoch's curves. Everything a worker's environment holds is
// released when the worker exits, so each rendering runs in a worker of its own. It costs a
// worker's start (about 0.1-0.2 s), once per epoch.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

// Plain JavaScript (no loader needed, under tsx or from dist/): it requires resvg by the path
// resolved here, so the worker does not depend on the current directory.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { Resvg } = require(workerData.resvgPath);
const resvg = new Resvg(workerData.svg, {
  fitTo: { mode: "zoom", value: workerData.scale },
  background: "white",
  font: { loadSystemFonts: true, sansSerifFamily: "DejaVu Sans" },
  logLevel: "off",
});
const png = resvg.render().asPng();
const bytes = new Uint8Array(png.buffer, png.byteOffset, png.byteLength).slice();
parentPort.postMessage(bytes, [bytes.buffer]);
`;

let resvgPath: string | undefined;

/**
 * Rasterize an SVG to PNG bytes with resvg, using the system's fonts for text; `scale` is PNG
 * pixels per SVG pixel. Each call runs in its own worker thread, so no memory stays behind.
 * @example writeFileSync("curve.png", await svgToPng(svg));
 */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  if (!(Number.isFinite(scale) && scale > 0))
    throw new RangeError(`svgToPng: scale must be a positive number, got ${scale}`);
  resvgPath ??= createRequire(import.meta.url).resolve("@resvg/resvg-js");
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // The parent's flags (e.g. tsx's --import) would only slow the worker's start.
    execArgv: [],
    workerData: { svg, scale, resvgPath },
  });
  return new Promise<Uint8Array>((resolve, reject) => {
    let png: Uint8Array | undefined;
    let failure: Error | undefined;
    worker.on("message", (bytes: Uint8Array) => (png = bytes));
    worker.on("error", (e: Error) => (failure = e));
    worker.on("exit", (code) => {
      if (png !== undefined) resolve(png);
      else
        reject(
          new Error(
            `svgToPng: resvg failed (${failure?.message ?? `worker exited with code ${code}`})`,
            { cause: failure },
          ),
        );
    });
  });
}
