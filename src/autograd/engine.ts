import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { type Edge, hasOpListeners, Node } from "./function.js";
import { setGradEnabled } from "./grad-mode.js";
import { Temporaries } from "./temporaries.js";

/** The few ops the engine itself needs; `src/ops` installs them at load time (ops sit below autograd). */
export interface EngineOps {
  add(a: Tensor, b: Tensor): Tensor;
  /** Sums a broadcast gradient back to `shape`. */
  sumTo(t: Tensor, shape: readonly number[]): Tensor;
  onesLike(t: Tensor): Tensor;
  detach(t: Tensor): Tensor;
  /** A contiguous copy with its own storage, outside the graph. */
  copy(t: Tensor): Tensor;
}

let ops: EngineOps | null = null;

/** Called once by `src/ops` to give the engine its arithmetic. */
export function setEngineOps(engineOps: EngineOps): void {
  ops = engineOps;
}

function engineOps(): EngineOps {
  if (ops === null)
    throw new Error("autograd: ops are not loaded; import nabla's index, not autograd alone");
  return ops;
}

/** Options of `backward()` and `grad()`. */
export interface BackwardOptions {
  /** Keep the saved tensors so the graph can be walked again. Defaults to `createGraph`. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order derivatives. */
  createGraph?: boolean;
}

/** The keyword arguments of PyTorch's `Tensor.backward`, as an options object. */
export interface BackwardCallOptions extends BackwardOptions {
  /** The gradient of the output (PyTorch's `gradient=`); defaults to 1 for a scalar. */
  gradient?: Tensor | null;
  /** Accumulate into the `.grad` of these tensors only (leaves or not); the rest are left alone. */
  inputs?: Tensor | readonly Tensor[];
}

const CALL_OPTIONS = ["gradient", "retainGraph", "createGraph", "inputs"];

// Nodes reachable from the roots, ordered so that every node comes before the nodes it feeds.
function topoOrder(roots: readonly Node[]): Node[] {
  const order: Node[] = [];
  const visited = new Set<Node>();
  const stack: [Node, number][] = [];
  for (const root of roots) {
    if (visited.has(root)) continue;
    visited.add(root);
    stack.push([root, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      if (i < node.edges.length) {
        top[1]++;
        const next = node.edges[i]?.node;
        if (next && !visited.has(next)) {
          visited.add(next);
          stack.push([next, 0]);
        }
      } else {
        stack.pop();
        order.push(node);
      }
    }
  }
  return order.reverse();
}

function checkGrad(node: Node, i: number, edge: Edge, g: Tensor): Tensor {
  let grad = g;
  if (!sameShape(grad.shape, edge.shape) && broadcastsTo(edge.shape, grad.shape))
    grad = engineOps().sumTo(grad, edge.shape);
  if (!sameShape(grad.shape, edge.shape)) {
    throw new Error(
      `autograd: ${node.name} returned a gradient of shape ${fmtShape(grad.shape)} for input ${i}, whose shape is ${fmtShape(edge.shape)}`,
    );
  }
  if (grad.dtype !== edge.dtype) {
    throw new Error(
      `autograd: ${node.name} returned a ${grad.dtype} gradient for input ${i}, whose dtype is ${edge.dtype}`,
    );
  }
  return grad;
}

// True when `shape` broadcasts to `target`, so a gradient of `target` can be summed back to it.
function broadcastsTo(shape: readonly number[], target: readonly number[]): boolean {
  const lead = target.length - shape.length;
  if (lead < 0) return false;
  return shape.every((s, i) => s === 1 || s === target[lead + i]);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Where `grad()` collects gradients instead of `.grad`: keyed by leaf tensor or by node. */
interface Capture {
  leaves: Map<Tensor, Tensor | null>;
  nodes: Map<Node, Tensor | null>;
}

// For grad(): the nodes whose backward must run, those with a path to a captured input. Only these
// run, so parts of the graph that grad() does not need keep their saved tensors (as in PyTorch).
function nodesToRun(order: readonly Node[], capture: Capture): Set<Node> {
  const run = new Set<Node>();
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    const leads = node.edges.some(
      (e) =>
        e !== null &&
        (e.node !== null
          ? run.has(e.node) || capture.nodes.has(e.node)
          : e.leaf !== null && capture.leaves.has(e.leaf)),
    );
    if (leads) run.add(node);
  }
  return run;
}

/**
 * Runs backward from `roots` seeded with `seeds`. Gradients of leaves go into their `.grad`, or,
 * when `capture` is given, into its maps (for `grad()`).
 */
export function runBackward(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  options: BackwardOptions,
  capture?: Capture,
): void {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const { add, detach, copy } = engineOps();
  // Temporary gradients are freed as soon as they are used up, except when the backward itself
  // is recorded (they are then part of a graph) or an op listener may keep them.
  const temps = createGraph || hasOpListeners() ? null : Temporaries.start();
  const pending = new Map<Node, Tensor>();
  const accumulate = (node: Node, g: Tensor) => {
    const prev = pending.get(node);
    const next = prev === undefined ? g : add(prev, g);
    pending.set(node, next);
    if (temps === null) return;
    temps.hold(next);
    if (prev !== undefined) temps.drop(prev);
  };
  // Rules may hand the same gradient to several inputs (add returns gradOut twice), so a `.grad`
  // gets its own copy when its storage is a seed's or already another `.grad`'s: an in-place
  // update of one gradient (zero_, an optimizer step) must never change another.
  const handedOut = new Set(seeds.map((s) => s.storage));
  const store = (current: Tensor | null, g: Tensor): Tensor => {
    let stored: Tensor;
    if (current !== null) stored = add(current, g);
    else if (createGraph) stored = g;
    else {
      stored = handedOut.has(g.storage) || !g.isContiguous() ? copy(g) : detach(g);
      handedOut.add(stored.storage);
    }
    temps?.keep(stored); // handed out: never freed or overwritten by the engine
    return stored;
  };
  const rootNodes: Node[] = [];
  const previousMode = setGradEnabled(createGraph);
  try {
    for (let r = 0; r < roots.length; r++) {
      const root = roots[r];
      const node = root.gradFn as Node | null;
      if (node === null) {
        // A leaf root: its gradient is the seed itself.
        if (capture?.leaves.has(root)) capture.leaves.set(root, seeds[r]);
        else if (!capture) root.grad = store(root.grad, seeds[r]);
        continue;
      }
      rootNodes.push(node);
      accumulate(node, seeds[r]);
    }
    const order = topoOrder(rootNodes);
    const toRun = capture ? nodesToRun(order, capture) : null;
    const leadsOn = (e: Edge): boolean =>
      toRun === null ||
      (e.node !== null
        ? toRun.has(e.node) || capture!.nodes.has(e.node)
        : capture!.leaves.has(e.leaf!));
    const runNode = (node: Node, gradOut: Tensor): void => {
      if (node.retained !== null && !capture)
        node.retained.grad = store(node.retained.grad, gradOut);
      if (capture?.nodes.has(node)) {
        capture.nodes.set(node, gradOut);
        temps?.keep(gradOut);
      }
      if (toRun !== null && !toRun.has(node)) return;
      const rule = node.prim.backward;
      if (rule === "not differentiable") return;
      const needs = node.edges.map((e) => e !== null && leadsOn(e));
      const grads = rule(gradOut, node.ctx, node.attrs, needs, temps?.owns(gradOut) ?? false);
      if (!retainGraph) node.ctx.release();
      for (let i = 0; i < node.edges.length; i++) {
        const edge = node.edges[i];
        const g = grads[i];
        if (edge === null || !needs[i] || g === null || g === undefined) continue;
        const grad = checkGrad(node, i, edge, g);
        if (edge.node !== null) {
          accumulate(edge.node, grad);
        } else if (edge.leaf !== null) {
          const leaf = edge.leaf;
          if (capture) {
            const prev = capture.leaves.get(leaf);
            const sum = prev == null ? grad : add(prev, grad);
            capture.leaves.set(leaf, sum);
            temps?.keep(sum);
          } else {
            leaf.grad = store(leaf.grad, grad);
          }
        }
      }
    };
    for (const node of order) {
      const gradOut = pending.get(node);
      pending.delete(node);
      if (gradOut === undefined) continue;
      runNode(node, gradOut);
      if (temps !== null) {
        temps.drop(gradOut);
        temps.sweep();
      }
    }
  } finally {
    temps?.stop();
    setGradEnabled(previousMode);
  }
}

// backward(gradient?, options?) or backward(options), as PyTorch's positional and keyword forms.
function backwardArgs(
  gradient: Tensor | BackwardCallOptions | null | undefined,
  options: BackwardCallOptions | undefined,
): BackwardCallOptions {
  const isOptions = (v: unknown): v is BackwardCallOptions =>
    typeof v === "object" && v !== null && !(v instanceof Tensor) && !Array.isArray(v);
  if (gradient != null && !(gradient instanceof Tensor) && !isOptions(gradient))
    throw new TypeError(
      `backward: gradient must be a Tensor, null or an options object, got ${Array.isArray(gradient) ? "an array" : typeof gradient}`,
    );
  if (options !== undefined && !isOptions(options))
    throw new TypeError(`backward: options must be an object, got ${typeof options}`);
  if (isOptions(gradient) && options !== undefined)
    throw new TypeError(
      "backward: options were given twice (as the first and the second argument)",
    );
  const opts: BackwardCallOptions = isOptions(gradient)
    ? gradient
    : { ...options, gradient: gradient ?? options?.gradient ?? null };
  if (gradient instanceof Tensor && options?.gradient != null)
    throw new TypeError("backward: gradient was given twice (as an argument and as an option)");
  const unknown = Object.keys(opts).filter((k) => !CALL_OPTIONS.includes(k));
  if (unknown.length > 0)
    throw new TypeError(
      `backward: unknown option${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (known: ${CALL_OPTIONS.join(", ")})`,
    );
  if (opts.gradient != null && !(opts.gradient instanceof Tensor))
    throw new TypeError(
      `backward: the gradient option must be a Tensor, got ${typeof opts.gradient}`,
    );
  return opts;
}

/**
 * Checks the arguments of `backward()` and runs it: `backward(gradient?, options?)` or
 * `backward(options)`, with PyTorch's `gradient`, `retainGraph`, `createGraph` and `inputs`.
 */
export function backward(
  t: Tensor,
  gradient?: Tensor | BackwardCallOptions | null,
  options?: BackwardCallOptions,
): void {
  const opts = backwardArgs(gradient, options);
  if (!t.requiresGrad) {
    throw new Error(
      `backward: the tensor of shape ${fmtShape(t.shape)} does not require grad and has no gradFn (did you forget requiresGrad: true, or run it under noGrad?)`,
    );
  }
  let seed = opts.gradient ?? null;
  if (seed === null) {
    if (t.numel() !== 1) {
      throw new Error(
        `backward: grad can be implicitly created only for scalar outputs, but the output has shape ${fmtShape(t.shape)}; pass a gradient, e.g. y.backward(nb.onesLike(y)), or reduce it first with y.sum()`,
      );
    }
    seed = engineOps().onesLike(t);
  } else if (!sameShape(seed.shape, t.shape)) {
    throw new Error(
      `backward: gradient has shape ${fmtShape(seed.shape)} but the output has shape ${fmtShape(t.shape)}`,
    );
  }
  if (opts.inputs === undefined) runBackward([t], [seed], opts);
  else backwardInto(t, seed, opts.inputs, opts);
}

// backward(inputs=...): the gradients of the listed tensors only, added into their `.grad`.
function backwardInto(
  t: Tensor,
  seed: Tensor,
  inputs: Tensor | readonly Tensor[],
  options: BackwardOptions,
): void {
  const list = inputs instanceof Tensor ? [inputs] : [...new Set(inputs)];
  if (list.length === 0) throw new Error("backward: the inputs option cannot be empty");
  const capture: Capture = { leaves: new Map(), nodes: new Map() };
  list.forEach((x, i) => {
    if (!(x instanceof Tensor))
      throw new TypeError(`backward: inputs[${i}] is not a Tensor (got ${typeof x})`);
    if (!x.requiresGrad)
      throw new Error(`backward: inputs[${i}] (shape ${fmtShape(x.shape)}) does not require grad`);
    if (x.gradFn === null) capture.leaves.set(x, null);
    else capture.nodes.set(x.gradFn as Node, null);
  });
  runBackward([t], [seed], options, capture);
  const createGraph = options.createGraph ?? false;
  const { add, copy } = engineOps();
  const previousMode = setGradEnabled(createGraph);
  try {
    for (const x of list) {
      const g = x.gradFn === null ? capture.leaves.get(x) : capture.nodes.get(x.gradFn as Node);
      if (g == null) continue; // not reached from the output: left alone, as in PyTorch
      // A fresh copy: the captured gradient may be shared with another input or with the seed.
      x.grad = x.grad === null ? (createGraph ? g : copy(g)) : add(x.grad, g);
    }
  } finally {
    setGradEnabled(previousMode);
  }
}

/**
 * The gradients of `outputs` with respect to `inputs`, without touching `.grad`, as
 * `torch.autograd.grad`. Example: `const [dx] = nb.grad(y, [x], { createGraph: true })`.
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: readonly Tensor[],
  options: BackwardOptions & { gradOutputs?: readonly Tensor[]; allowUnused?: boolean } = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs as Tensor];
  const seeds = outs.map((o, i) => {
    if (!o.requiresGrad)
      throw new Error(`grad: output ${i} (shape ${fmtShape(o.shape)}) does not require grad`);
    const g = options.gradOutputs?.[i];
    if (g) return g;
    if (o.numel() !== 1) {
      throw new Error(
        `grad: output ${i} has shape ${fmtShape(o.shape)}; pass gradOutputs for non-scalar outputs`,
      );
    }
    return engineOps().onesLike(o);
  });
  const capture: Capture = { leaves: new Map(), nodes: new Map() };
  for (const [i, x] of inputs.entries()) {
    if (!x.requiresGrad)
      throw new Error(`grad: input ${i} (shape ${fmtShape(x.shape)}) does not require grad`);
    if (x.gradFn === null) capture.leaves.set(x, null);
    else capture.nodes.set(x.gradFn as Node, null);
  }
  runBackward(outs, seeds, options, capture);
  return inputs.map((x, i) => {
    const g = x.gradFn === null ? capture.leaves.get(x) : capture.nodes.get(x.gradFn as Node);
    if ((g === null || g === undefined) && !options.allowUnused) {
      throw new Error(
        `grad: input ${i} was not used to compute the outputs (pass allowUnused: true to get null)`,
      );
    }
    return g ?? null;
  });
}

export { Node };
