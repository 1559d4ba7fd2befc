import { isFloating } from "../tensor/dtype.js";
import type { DType } from "../tensor/dtype.js";
import { MemoryLimitError } from "../tensor/memory.js";
import type { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "./grad-mode.js";

const EMPTY: Tensor[] = [];
const NO_VERSIONS: number[] = [];

/** What a backward rule can read: the tensors its forward saved, and any extra values it kept. */
export class Context {
  // Allocated on first use: most ops of a long chain save little, and every allocation here is
  // kept alive by the graph until backward (the per-op overhead is mostly garbage collection).
  #saved: Tensor[] = EMPTY;
  #versions: number[] = NO_VERSIONS;
  #released = false;
  #extra: Record<string, unknown> | null = null;

  constructor(readonly recording: boolean) {}

  /** Non-tensor values a forward keeps for backward (indices, shapes, scales). */
  get extra(): Record<string, unknown> {
    if (this.#extra === null) this.#extra = {};
    return this.#extra;
  }

  /** Saves tensors for backward; records their versions to catch later in-place changes. */
  save(...tensors: Tensor[]): void {
    if (!this.recording) return;
    if (this.#saved === EMPTY) {
      this.#saved = [];
      this.#versions = [];
    }
    for (const t of tensors) {
      this.#saved.push(t);
      this.#versions.push(t.storage.version);
    }
  }

  /** The saved tensors, after checking that none was modified in place since it was saved. */
  saved(opName: string): Tensor[] {
    if (this.#released) {
      throw new Error(
        `backward: trying to backward through the graph a second time (at ${opName}); the saved tensors were freed after the first backward. Pass { retainGraph: true } to the first backward() to keep them.`,
      );
    }
    for (let i = 0; i < this.#saved.length; i++) {
      const t = this.#saved[i];
      if (t.storage.version !== this.#versions[i]) {
        throw new Error(
          `backward: a tensor of shape [${t.shape}] that ${opName} saved for its gradient was modified by an in-place operation (version ${this.#versions[i]} became ${t.storage.version}); use an out-of-place op or clone() it first`,
        );
      }
    }
    return this.#saved;
  }

  /** Frees the saved tensors (after a backward without `retainGraph`). */
  release(): void {
    this.#saved = EMPTY;
    this.#released = true;
  }

  get released(): boolean {
    return this.#released;
  }
}

/** One gradient per input: a tensor, or null where the input needs none. */
export type InputGrads = (Tensor | null)[];

/**
 * A backward rule: from the gradient of the output, the gradients of the inputs. `needs[i]`
 * tells whether input i needs one, so rules skip unneeded work. Results may keep a broadcast
 * shape: the engine sums them back to each input's shape. `ownsGradOut` says that nothing but
 * this rule will read `gradOut` again and that it is dense: an elementwise rule may then write
 * its result into `gradOut`'s storage and return it, instead of allocating.
 */
export type BackwardRule<A> = (
  gradOut: Tensor,
  ctx: Context,
  attrs: A,
  needs: readonly boolean[],
  ownsGradOut: boolean,
) => InputGrads;

/**
 * A primitive op: a forward over backend kernels and its backward rule. `backward` is required,
 * so a primitive without a rule (or an explicit "not differentiable") fails to compile.
 */
export interface Primitive<A = undefined> {
  readonly name: string;
  forward(ctx: Context, inputs: readonly Tensor[], attrs: A): Tensor;
  readonly backward: BackwardRule<A> | "not differentiable";
}

/** Defines a primitive. Example: `definePrimitive({ name: "Exp", forward, backward })`. */
export function definePrimitive<A = undefined>(prim: Primitive<A>): Primitive<A> {
  return prim;
}

/** Where an input's gradient goes: into another node, or into a leaf's `.grad`. */
export interface Edge {
  readonly node: Node | null;
  readonly leaf: Tensor | null;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** A recorded application of a primitive in the autograd graph. */
export class Node {
  /** Set by `retainGrad()` on the output tensor, so the engine stores its gradient. */
  retained: Tensor | null = null;
  constructor(
    readonly prim: Primitive<any>,
    readonly attrs: unknown,
    readonly ctx: Context,
    readonly edges: readonly (Edge | null)[],
    readonly outShape: readonly number[],
    readonly outDType: DType,
  ) {}
  /** PyTorch's grad_fn name, e.g. `MulBackward0`. */
  get name(): string {
    return `${this.prim.name}Backward0`;
  }
}

type OpListener = (name: string, inputs: readonly Tensor[], output: Tensor) => void;
const listeners: OpListener[] = [];

/** Calls `fn` for every op that runs (profiling and tracing). Returns a function that removes it. */
export function onOp(fn: OpListener): () => void {
  listeners.push(fn);
  return () => {
    const i = listeners.indexOf(fn);
    if (i >= 0) listeners.splice(i, 1);
  };
}

/** True while some `onOp` listener is registered (it may keep the tensors it is shown). */
export function hasOpListeners(): boolean {
  return listeners.length > 0;
}

/**
 * The single dispatch point of every op: runs the primitive's forward and, when grad mode is on
 * and an input requires grad, records a graph node for backward.
 */
export function apply<A>(prim: Primitive<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  let record = false;
  if (prim.backward !== "not differentiable" && isGradEnabled()) {
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i].requiresGrad) {
        record = true;
        break;
      }
    }
  }
  const ctx = new Context(record);
  let out: Tensor;
  try {
    out = prim.forward(ctx, inputs, attrs);
  } catch (e) {
    // The allocator knows the shape but not the op: name it here, where every op passes.
    throw e instanceof MemoryLimitError ? e.withOp(prim.name) : e;
  }
  if (record && isFloating(out.dtype)) {
    const edges = inputs.map((t): Edge | null => {
      if (!t.requiresGrad) return null;
      const node = t.gradFn as Node | null;
      return { node, leaf: node === null ? t : null, shape: t.shape, dtype: t.dtype };
    });
    out.gradFn = new Node(prim, attrs, ctx, edges, out.shape, out.dtype);
    out.setRequiresGradUnchecked(true);
  }
  if (listeners.length > 0) for (const fn of listeners) fn(prim.name, inputs, out);
  return out;
}
