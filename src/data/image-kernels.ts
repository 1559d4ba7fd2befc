// Loops over planar image data (`planes` images of H x W, one after another) behind the
// transforms. They run on plain typed arrays because preprocessing is neither differentiable nor
// part of a model: it stays out of the op dispatch, and it runs unchanged inside worker threads.

/** Any float or integer array that holds planar image data. */
export type PixelArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** How out-of-range pixels are filled by `cropPad`: torchvision's padding modes. */
export type PaddingMode = "constant" | "edge" | "reflect" | "symmetric";

/**
 * Source index tables for bilinear resizing of a length-`inSize` axis (starting at `start` in a
 * longer axis) to `outSize`, as `F.interpolate(mode="bilinear", align_corners=False)` computes
 * them: src = max((dst + 0.5) * in / out - 0.5, 0); the right neighbour is clamped at the edge.
 */
export function bilinearTable(
  inSize: number,
  outSize: number,
  start = 0,
): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.max((o + 0.5) * scale - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[o] = start + lo;
    i1[o] = start + (lo < inSize - 1 ? lo + 1 : lo);
    w1[o] = src - lo;
  }
  return { i0, i1, w1 };
}

/**
 * Bilinear resize of the window (top, left, h, w) of every plane to outH x outW (align_corners=False).
 * Example: `resizeBilinear(src, 1, 28, 28, 0, 0, 28, 28, 224, 224, out)`.
 */
export function resizeBilinear(
  src: PixelArray,
  planes: number,
  H: number,
  W: number,
  top: number,
  left: number,
  h: number,
  w: number,
  outH: number,
  outW: number,
  out: Float32Array | Float64Array,
  srcOffset = 0,
): void {
  const ys = bilinearTable(h, outH, top);
  const xs = bilinearTable(w, outW, left);
  const { i0: x0, i1: x1, w1: wx } = xs;
  // Separable: each window row is interpolated horizontally once (in float64), then output rows
  // blend two of those. The arithmetic is PyTorch's, hy * (row y0) + ly * (row y1), so results
  // are identical to the direct four-tap form at about half the work when upsampling.
  const rows = new Float64Array(h * outW);
  for (let p = 0; p < planes; p++) {
    const base = srcOffset + p * H * W;
    for (let y = 0; y < h; y++) {
      const r = base + (top + y) * W;
      const o = y * outW;
      for (let ox = 0; ox < outW; ox++) {
        const lx = wx[ox];
        rows[o + ox] = (1 - lx) * src[r + x0[ox]] + lx * src[r + x1[ox]];
      }
    }
    const outBase = p * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const r0 = (ys.i0[oy] - top) * outW;
      const r1 = (ys.i1[oy] - top) * outW;
      const ly = ys.w1[oy];
      const hy = 1 - ly;
      const o = outBase + oy * outW;
      for (let ox = 0; ox < outW; ox++) out[o + ox] = hy * rows[r0 + ox] + ly * rows[r1 + ox];
    }
  }
}

/** Maps an index outside [0, n) into it for a padding mode; -1 means "use the fill value". */
export function padIndex(i: number, n: number, mode: PaddingMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case "constant":
      return -1;
    case "edge":
      return i < 0 ? 0 : n - 1;
    case "reflect": {
      if (n === 1) return 0;
      const period = 2 * (n - 1);
      let m = ((i % period) + period) % period;
      if (m >= n) m = period - m;
      return m;
    }
    case "symmetric": {
      const period = 2 * n;
      let m = ((i % period) + period) % period;
      if (m >= n) m = period - 1 - m;
      return m;
    }
  }
}

/**
 * Copies the window (top, left, h, w) of every plane; parts of the window outside the image are
 * padded by `mode` (constant `fill`, edge, reflect, symmetric). Crops and pads in one pass.
 * Example: `cropPad(src, 1, 28, 28, -4, -4, 36, 36, out)` pads 4 zeros on every side.
 */
export function cropPad(
  src: PixelArray,
  planes: number,
  H: number,
  W: number,
  top: number,
  left: number,
  h: number,
  w: number,
  out: PixelArray,
  fill = 0,
  mode: PaddingMode = "constant",
  srcOffset = 0,
): void {
  const cols = new Int32Array(w);
  for (let x = 0; x < w; x++) cols[x] = padIndex(left + x, W, mode);
  const inside = left >= 0 && left + w <= W;
  for (let p = 0; p < planes; p++) {
    const base = srcOffset + p * H * W;
    for (let y = 0; y < h; y++) {
      const sy = padIndex(top + y, H, mode);
      const o = (p * h + y) * w;
      if (sy < 0) {
        out.fill(fill, o, o + w);
      } else if (inside) {
        const from = base + sy * W + left;
        for (let x = 0; x < w; x++) out[o + x] = src[from + x];
      } else {
        const row = base + sy * W;
        for (let x = 0; x < w; x++) out[o + x] = cols[x] < 0 ? fill : src[row + cols[x]];
      }
    }
  }
}

/** Mirrors every plane left-right (`horizontal`) or top-bottom. */
export function flipPlanes(
  src: PixelArray,
  planes: number,
  H: number,
  W: number,
  horizontal: boolean,
  out: PixelArray,
): void {
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let y = 0; y < H; y++) {
      const from = base + (horizontal ? y : H - 1 - y) * W;
      const to = base + y * W;
      if (horizontal) for (let x = 0; x < W; x++) out[to + x] = src[from + W - 1 - x];
      else for (let x = 0; x < W; x++) out[to + x] = src[from + x];
    }
  }
}

// ---------------------------------------------------------------- color (torchvision semantics)

/** torchvision's `_blend`: clamp(ratio * a + (1 - ratio) * b, 0, 1) on float images. */
function blendValue(ratio: number, a: number, b: number): number {
  const v = ratio * a + (1 - ratio) * b;
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** ITU-R 601-2 luma with torchvision's weights: 0.2989 r + 0.587 g + 0.114 b. */
function luma(r: number, g: number, b: number): number {
  return 0.2989 * r + 0.587 * g + 0.114 * b;
}

/** `adjust_brightness` in place over `images` images of `C` x `HW` floats. */
export function adjustBrightness(data: Float32Array | Float64Array, factor: number): void {
  for (let i = 0; i < data.length; i++) data[i] = blendValue(factor, data[i], 0);
}

/** `adjust_contrast` in place: blend with the mean of each image's grayscale. */
export function adjustContrast(
  data: Float32Array | Float64Array,
  images: number,
  C: number,
  HW: number,
  factor: number,
): void {
  for (let n = 0; n < images; n++) {
    const base = n * C * HW;
    let sum = 0;
    if (C === 3) {
      for (let i = 0; i < HW; i++)
        sum += luma(data[base + i], data[base + HW + i], data[base + 2 * HW + i]);
    } else {
      for (let i = 0; i < C * HW; i++) sum += data[base + i];
    }
    const mean = sum / (C === 3 ? HW : C * HW);
    for (let i = 0; i < C * HW; i++) data[base + i] = blendValue(factor, data[base + i], mean);
  }
}

/** `adjust_saturation` in place (3 channels; a 1-channel image is left unchanged, as in torchvision). */
export function adjustSaturation(
  data: Float32Array | Float64Array,
  images: number,
  C: number,
  HW: number,
  factor: number,
): void {
  if (C !== 3) return;
  for (let n = 0; n < images; n++) {
    const base = n * 3 * HW;
    for (let i = 0; i < HW; i++) {
      const r = base + i;
      const gray = luma(data[r], data[r + HW], data[r + 2 * HW]);
      for (let c = 0; c < 3; c++) data[r + c * HW] = blendValue(factor, data[r + c * HW], gray);
    }
  }
}

/** `adjust_hue` in place: rotate the hue by `factor` (in [-0.5, 0.5]) through HSV; 1 channel: unchanged. */
export function adjustHue(
  data: Float32Array | Float64Array,
  images: number,
  C: number,
  HW: number,
  factor: number,
): void {
  if (C !== 3) return;
  for (let n = 0; n < images; n++) {
    const base = n * 3 * HW;
    for (let i = 0; i < HW; i++) {
      const ir = base + i;
      const ig = ir + HW;
      const ib = ig + HW;
      const r = data[ir];
      const g = data[ig];
      const b = data[ib];
      // torchvision's _rgb2hsv.
      const maxc = Math.max(r, g, b);
      const minc = Math.min(r, g, b);
      const eqc = maxc === minc;
      const cr = maxc - minc;
      const s = cr / (eqc ? 1 : maxc);
      const div = eqc ? 1 : cr;
      const rc = (maxc - r) / div;
      const gc = (maxc - g) / div;
      const bc = (maxc - b) / div;
      let hue: number;
      if (maxc === r) hue = bc - gc;
      else if (maxc === g) hue = 2 + rc - bc;
      else hue = 4 + gc - rc;
      hue = (((hue / 6 + 1) % 1) + factor) % 1;
      if (hue < 0) hue += 1;
      // torchvision's _hsv2rgb.
      const v = maxc;
      const h6 = hue * 6;
      const sector = Math.floor(h6);
      const f = h6 - sector;
      const p = clamp01(v * (1 - s));
      const q = clamp01(v * (1 - s * f));
      const t = clamp01(v * (1 - s * (1 - f)));
      switch (((sector % 6) + 6) % 6) {
        case 0:
          [data[ir], data[ig], data[ib]] = [v, t, p];
          break;
        case 1:
          [data[ir], data[ig], data[ib]] = [q, v, p];
          break;
        case 2:
          [data[ir], data[ig], data[ib]] = [p, v, t];
          break;
        case 3:
          [data[ir], data[ig], data[ib]] = [p, q, v];
          break;
        case 4:
          [data[ir], data[ig], data[ib]] = [t, p, v];
          break;
        default:
          [data[ir], data[ig], data[ib]] = [v, p, q];
      }
    }
  }
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
