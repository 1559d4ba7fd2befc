// nn.utils: gradient clipping and parameter/vector conversion.
import { noGrad } from "../../autograd/grad-mode.js";
import { cat, reshape } from "../../ops/shape.js";
import { fmtShape } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";

export { clipGradNorm_, clipGradValue_ } from "./clip-grad.js";

/** Concatenates the parameters into one flat vector (a copy). Example: `nn.utils.parametersToVector(net.parameters())`. */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  return noGrad(() => cat([...parameters].map((p) => reshape(p, [-1]))));
}

/** Copies a flat vector back into the parameters, in order. Example: `nn.utils.vectorToParameters(v, net.parameters())`. */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  const params = [...parameters];
  const total = params.reduce((n, p) => n + p.numel(), 0);
  if (vec.ndim !== 1 || vec.shape[0] !== total)
    throw new Error(
      `vectorToParameters: expected a vector of ${total} elements, got shape ${fmtShape(vec.shape)}`,
    );
  noGrad(() => {
    let offset = 0;
    for (const p of params) {
      p.copy_(reshape(vec.narrow(0, offset, p.numel()), [...p.shape]));
      offset += p.numel();
    }
  });
}
