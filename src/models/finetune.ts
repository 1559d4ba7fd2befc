// Fine-tuning helpers (d2l 13.2): freeze a pretrained feature extractor, swap the output layer,
// and train the new head with a larger learning rate through optimizer parameter groups.
import { Module } from "../nn/module.js";
import type { Parameter } from "../nn/parameter.js";
import { torchName } from "../nn/repr.js";

/**
 * Stops gradients to every parameter of `module` (so an optimizer leaves them alone).
 * Example: `models.freeze(net.at(0))`.
 */
export function freeze<M extends Module>(module: M): M {
  return module.requiresGrad_(false);
}

/** Lets every parameter of `module` learn again. Example: `models.unfreeze(net)`. */
export function unfreeze<M extends Module>(module: M): M {
  return module.requiresGrad_(true);
}

/**
 * Puts `replacement` where the submodule at the dotted `path` was (e.g. `"fc"`, `"7"`, `"fc.1"`)
 * and returns the old one. Example: `models.replaceModule(net, "7", new nn.Linear(512, 2))`.
 */
export function replaceModule(root: Module, path: string, replacement: Module): Module {
  const parts = path.split(".");
  const last = parts.pop()!;
  const parent = parts.length === 0 ? root : root.getSubmodule(parts.join("."));
  // The path uses the listed names; find the field (a camelCase field is listed in snake_case,
  // a name given to addModule as it is).
  const field = Object.keys(parent).find(
    (k) =>
      (k === last || torchName(k) === last) &&
      parent.ownModules().some(([n, m]) => n === last && m === (parent as any)[k]),
  );
  if (field === undefined) {
    const names = parent.ownModules().map(([n]) => n);
    throw new Error(
      `replaceModule: ${parent.constructor.name} has no child "${last}" (children: ${names.join(", ")})`,
    );
  }
  if (!(replacement instanceof Module))
    throw new TypeError(`replaceModule: the replacement for "${path}" must be a Module`);
  const old = (parent as any)[field] as Module;
  // Assigned, not re-added: the field keeps its place and the name it is listed under.
  (parent as any)[field] = replacement;
  return old;
}

/**
 * Two parameter groups for an optimizer: every parameter outside `headPath`, at the optimizer's
 * learning rate, and the head's at `lr * headLrMult` (10 in the book).
 * Example: `new optim.SGD(models.fineTuneParamGroups(net, "fc", 5e-5), { lr: 5e-5, weightDecay: 0.001 })`.
 */
export function fineTuneParamGroups(
  model: Module,
  headPath: string,
  lr: number,
  headLrMult = 10,
): [{ params: Parameter[] }, { params: Parameter[]; lr: number }] {
  const head = model.getSubmodule(headPath);
  const headParams = new Set<Parameter>(head.parameters());
  const body = model.parameters().filter((p) => !headParams.has(p));
  return [{ params: body }, { params: [...headParams], lr: lr * headLrMult }];
}
