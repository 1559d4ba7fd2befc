// interpolate (nearest, linear, bilinear with and without alignCorners) against PyTorch's known
// outputs and index rules; padding modes; gradcheck for both.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as nb from "nabla";
import { assertClose, assertThrowsWith, gradcheckTable, leaf } from "../helpers.js";
import { forEachBackend } from "./backends.js";

forEachBackend(() => {
  describe("interpolate", () => {
    const x = nb.tensor([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);

    test("bilinear, scale 2, alignCorners false (PyTorch's printed result)", () => {
      assertClose(nb.interpolate(x, { scaleFactor: 2, mode: "bilinear", alignCorners: false }), [
        [
          [
            [1.0, 1.25, 1.75, 2.0],
            [1.5, 1.75, 2.25, 2.5],
            [2.5, 2.75, 3.25, 3.5],
            [3.0, 3.25, 3.75, 4.0],
          ],
        ],
      ]);
    });

    test("bilinear with alignCorners maps corners onto corners", () => {
      assertClose(nb.interpolate(x, { size: 3, mode: "bilinear", alignCorners: true }), [
        [
          [
            [1, 1.5, 2],
            [2, 2.5, 3],
            [3, 3.5, 4],
          ],
        ],
      ]);
      const y = nb.interpolate(x, { size: [4, 3], mode: "bilinear", alignCorners: true });
      assertClose(y.get(0, 0, 0), [1, 1.5, 2]);
      assertClose(y.get(0, 0, 3), [3, 3.5, 4]);
      assertClose(y.get(0, 0, ":", 0), [1, 1 + 2 / 3, 1 + 4 / 3, 3]);
    });

    test("nearest repeats pixels, and downsamples by floor(i * in / out)", () => {
      assertClose(nb.interpolate(x, { scaleFactor: 2 }), [
        [
          [
            [1, 1, 2, 2],
            [1, 1, 2, 2],
            [3, 3, 4, 4],
            [3, 3, 4, 4],
          ],
        ],
      ]);
      const row = nb.arange(0, 5).reshape([1, 1, 5]).to("float32");
      assertClose(nb.interpolate(row, { size: 3 }), [[[0, 1, 3]]]);
      assertClose(nb.interpolate(row, { size: 3, mode: "nearest-exact" }), [[[0, 2, 4]]]);
    });

    test("linear 1-D, alignCorners false: source (i + 0.5) * in/out - 0.5, clamped at 0", () => {
      const v = nb.tensor([[[1, 2, 3]]]);
      assertClose(nb.interpolate(v, { size: 5, mode: "linear" }), [[[1, 1.4, 2, 2.6, 3]]]);
      assertClose(nb.interpolate(v, { size: 5, mode: "linear", alignCorners: true }), [
        [[1, 1.5, 2, 2.5, 3]],
      ]);
    });

    test("errors", () => {
      assertThrowsWith(
        () => nb.interpolate(x, { mode: "bilinear" }),
        "interpolate",
        "size and scaleFactor",
      );
      assertThrowsWith(
        () => nb.interpolate(x, { size: 3, mode: "linear" }),
        "interpolate",
        "linear",
        "[1,1,2,2]",
      );
      assertThrowsWith(() => nb.interpolate(x, { size: 3, alignCorners: true }), "alignCorners");
    });
  });

  describe("padNd", () => {
    const x = nb.tensor([
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
    ]);
    test("reflect, replicate and circular, as F.pad", () => {
      assertClose(nb.padNd(x, [2, 1], "reflect"), [
        [
          [2, 1, 0, 1, 2, 1],
          [5, 4, 3, 4, 5, 4],
        ],
      ]);
      assertClose(nb.padNd(x, [1, 2], "replicate"), [
        [
          [0, 0, 1, 2, 2, 2],
          [3, 3, 4, 5, 5, 5],
        ],
      ]);
      assertClose(nb.padNd(x, [1, 2], "circular"), [
        [
          [2, 0, 1, 2, 0, 1],
          [5, 3, 4, 5, 3, 4],
        ],
      ]);
      assertClose(nb.padNd(x, [0, 0, 1, 0], "reflect"), [
        [
          [3, 4, 5],
          [0, 1, 2],
          [3, 4, 5],
        ],
      ]);
      assertClose(nb.padNd(x, [1, 0], "constant", 9), [
        [
          [9, 0, 1, 2],
          [9, 3, 4, 5],
        ],
      ]);
      assertThrowsWith(() => nb.padNd(x, [3, 0], "reflect"), "pad", "reflect", "at most 2");
    });
  });

  gradcheckTable("interpolate and padNd", [
    {
      name: "bilinear upsample, alignCorners false",
      fn: (t) => nb.interpolate(t, { scaleFactor: 2, mode: "bilinear" }),
      inputs: () => [leaf([1, 2, 3, 2])],
    },
    {
      name: "bilinear to an odd size, alignCorners true (downsampling one dim)",
      fn: (t) => nb.interpolate(t, { size: [2, 5], mode: "bilinear", alignCorners: true }),
      inputs: () => [leaf([2, 1, 4, 3])],
    },
    {
      name: "nearest and linear",
      fn: (t) => [
        nb.interpolate(t.unsqueeze(2), { size: [2, 7] }),
        nb.interpolate(t, { size: 4, mode: "linear" }),
      ],
      inputs: () => [leaf([1, 2, 5])],
    },
    {
      name: "reflect / replicate / circular padding",
      fn: (t) => [
        nb.padNd(t, [1, 2, 2, 1], "reflect"),
        nb.padNd(t, [2, 0, 0, 1], "replicate"),
        nb.padNd(t, [1, 1], "circular"),
      ],
      inputs: () => [leaf([1, 1, 3, 4])],
    },
  ]);

  test("interpolate keeps the dtype and works on batches", () => {
    const y = nb.interpolate(nb.randn([3, 2, 4, 4], { dtype: "float64" }), {
      size: [2, 8],
      mode: "bilinear",
    });
    assert.deepEqual(y.shape, [3, 2, 2, 8]);
    assert.equal(y.dtype, "float64");
  });
});
