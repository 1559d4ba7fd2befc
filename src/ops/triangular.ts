// tril and triu: the lower or upper triangle of the last two dims, the rest zeroed (PyTorch keeps
// them in their own family too, TriangularOps). A `where` over a bool mask, so the gradient is the
// same mask applied to the incoming gradient.
import { Tensor } from "../tensor/tensor.js";
import { where } from "./elementwise.js";

/** The lower triangle of the last two dims (on and below `diagonal`), zeros elsewhere. Example: `nb.tril(x)`. */
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, true);
/** The upper triangle of the last two dims (on and above `diagonal`). Example: `nb.triu(x, 1)`. */
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, false);

/** Lower (`lower`) or upper triangle of the last two dims; the rest is zeroed. Example: `nb.tril(x)`. */
export function triangle(x: Tensor, diagonal: number, lower: boolean): Tensor {
  if (x.ndim < 2)
    throw new Error(
      `${lower ? "tril" : "triu"}: expects a tensor with >= 2 dims, got shape [${x.shape}]`,
    );
  const rows = x.shape[x.ndim - 2];
  const cols = x.shape[x.ndim - 1];
  const mask = Tensor.zeros([rows, cols], "bool");
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const keep = lower ? j - i <= diagonal : j - i >= diagonal;
      mask.storage.data[i * cols + j] = keep ? 1 : 0;
    }
  }
  return where(mask, x, 0);
}
