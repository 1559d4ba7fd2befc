// Tensor methods (x.add, w.uniform_) are installed by the ops index; load it with any module.
import "../ops/index.js";
import { noGrad } from "../autograd/grad-mode.js";
import { cast } from "../ops/cast.js";
import type { DType } from "../tensor/dtype.js";
import { isFloating } from "../tensor/dtype.js";
import { device as parseDevice, type Device } from "../tensor/storage.js";
import { Tensor } from "../tensor/tensor.js";
import {
  type ForwardHook,
  type ForwardPreHook,
  type LoadStateDictResult,
  type LoadTarget,
  RemovableHandle,
  type StateDict,
  copyStateDict,
} from "./module-state.js";
import { isUninitialized, Parameter, setData } from "./parameter.js";

export type {
  ForwardHook,
  ForwardPreHook,
  LoadStateDictResult,
  StateDict,
} from "./module-state.js";
export { RemovableHandle };
import { addIndent, torchName } from "./repr.js";

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function checkName(op: string, module: Module, name: string): void {
  if (typeof name !== "string")
    throw new TypeError(`${op}: name must be a string, got ${typeof name}`);
  if (name === "") throw new Error(`${op}: name can't be empty`);
  if (name.includes(".")) throw new Error(`${op}: name can't contain ".", got "${name}"`);
  // Like PyTorch's "attribute already exists": a name must not shadow a method or another field.
  if (name in module) {
    const current = (module as any)[name];
    const free =
      current === undefined ||
      current === null ||
      current instanceof Module ||
      current instanceof Tensor;
    if (!free || !hasOwn(module, name))
      throw new Error(`${op}: attribute "${name}" already exists on ${module.constructor.name}`);
  }
}

/**
 * The base class of every layer and model. A subclass declares its child modules and
 * `Parameter`s as fields; they are found by reflecting over the instance's own fields in
 * declaration order each time they are asked for (never cached), so reassigning a field works.
 * Buffers are registered with `registerBuffer`. A module's work is its `forward` method.
 *
 * Names (in `namedParameters`, `stateDict`, the printed tree) are PyTorch's: a camelCase field
 * `runningMean` is listed as `running_mean`, so keys match the equivalent PyTorch module. A name
 * given to `addModule` is listed exactly as given, and so is any field name that is not camelCase
 * (`W_q`, `DenseBlock_0`).
 *
 * Example:
 * ```ts
 * class MLP extends nn.Module {
 *   hidden = new nn.Linear(20, 256);
 *   out = new nn.Linear(256, 10);
 *   override forward(x: Tensor) { return this.out.forward(F.relu(this.hidden.forward(x))); }
 * }
 * ```
 */
export class Module {
  /** True in training mode (the default); set by `train()` and `eval()`. */
  training = true;
  // Field names in first-seen order. Integer-like names ("0", "1") are listed first by
  // Object.keys, so the order in which names were registered is remembered here.
  #order: string[] = [];
  #seen = new Set<string>();
  #buffers = new Map<string, boolean>();
  // Children named through addModule: listed verbatim, never converted to snake_case.
  #verbatim = new Set<string>();
  #hooks: ForwardHook<any>[] = [];
  #preHooks: ForwardPreHook<any>[] = [];
  #innerForward: ((...args: any[]) => any) | null = null;

  /** The computation of the module; subclasses override it. Example: `net.forward(x)`. */
  forward(..._args: any[]): any {
    throw new Error(
      `${this.constructor.name}.forward: not implemented; a Module subclass must override forward`,
    );
  }

  /** One line of configuration shown in the printed tree, e.g. `in_features=4, out_features=8, bias=True`. */
  extraRepr(): string {
    return "";
  }

  // ------------------------------------------------------------------ own members

  #fieldNames(): string[] {
    for (const k of Object.keys(this)) {
      if (!this.#seen.has(k)) {
        this.#seen.add(k);
        this.#order.push(k);
      }
    }
    if (this.#order.some((k) => !hasOwn(this, k))) {
      // A deleted field leaves the order, so a later field of that name goes last (as in PyTorch).
      this.#order = this.#order.filter((k) => hasOwn(this, k));
      this.#seen = new Set(this.#order);
      for (const name of [...this.#buffers.keys()])
        if (!hasOwn(this, name)) this.#buffers.delete(name);
      for (const name of [...this.#verbatim]) if (!hasOwn(this, name)) this.#verbatim.delete(name);
    }
    return this.#order;
  }

  // The name a field is listed under: verbatim when addModule gave it, else PyTorch's spelling.
  #listed(field: string): string {
    return this.#verbatim.has(field) ? field : torchName(field);
  }

  #touch(name: string): void {
    if (this.#seen.has(name) && !hasOwn(this, name)) {
      // Deleted and registered again: it goes last, as a new key of a Python dict does.
      this.#order.splice(this.#order.indexOf(name), 1);
      this.#seen.delete(name);
    }
    if (!this.#seen.has(name)) {
      this.#seen.add(name);
      this.#order.push(name);
    }
  }

  /** This module's own parameters under their PyTorch names, not recursive (PyTorch's `_parameters`). */
  ownParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const k of this.#fieldNames()) {
      const v = (this as any)[k];
      if (v instanceof Parameter && !this.#buffers.has(k)) out.push([this.#listed(k), v]);
    }
    return out;
  }

  /** This module's own buffers (non-null) with their persistence, not recursive (PyTorch's `_buffers`). */
  ownBuffers(): [string, Tensor, boolean][] {
    const out: [string, Tensor, boolean][] = [];
    for (const k of this.#fieldNames()) {
      const persistent = this.#buffers.get(k);
      const v = (this as any)[k];
      if (persistent !== undefined && v instanceof Tensor)
        out.push([this.#listed(k), v, persistent]);
    }
    return out;
  }

  /**
   * The direct children under every name, a module held twice listed twice (PyTorch's
   * `_modules.items()`). Example: `seq.ownModules()[0][0] === "0"`.
   */
  ownModules(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const k of this.#fieldNames()) {
      const v = (this as any)[k];
      if (v instanceof Module && v !== this) out.push([this.#listed(k), v]);
    }
    return out;
  }

  /** The field names of the direct children, in order (the names `addModule` was given). */
  protected childFields(): string[] {
    return this.#fieldNames().filter((k) => {
      const v = (this as any)[k];
      return v instanceof Module && v !== this;
    });
  }

  // ------------------------------------------------------------------ registration

  /**
   * Registers a parameter (or null, for an absent optional one) under `name`, as a field (listed
   * as fields are: a camelCase name in snake_case). Example: `this.registerParameter("bias", null)`.
   */
  registerParameter(name: string, param: Parameter | null): void {
    checkName("registerParameter", this, name);
    if (param !== null && !(param instanceof Parameter))
      throw new TypeError(
        `registerParameter: cannot assign a ${param === undefined ? "undefined" : (param as object).constructor?.name} as parameter "${name}" (an nn.Parameter or null is required)`,
      );
    this.#buffers.delete(name);
    this.#verbatim.delete(name);
    this.#touch(name);
    (this as any)[name] = param;
  }

  /**
   * Registers a tensor that is state but not a parameter (running statistics). Persistent
   * buffers (the default) appear in `stateDict`. Example:
   * `this.registerBuffer("runningMean", nb.zeros([c]))` (state-dict key `running_mean`).
   */
  registerBuffer(
    name: string,
    tensor: Tensor | null,
    options: { persistent?: boolean } = {},
  ): void {
    checkName("registerBuffer", this, name);
    if (tensor !== null && !(tensor instanceof Tensor))
      throw new TypeError(`registerBuffer: buffer "${name}" must be a Tensor or null`);
    if (tensor instanceof Parameter)
      throw new TypeError(`registerBuffer: "${name}" is a Parameter; use registerParameter`);
    this.#buffers.set(name, options.persistent ?? true);
    this.#verbatim.delete(name);
    this.#touch(name);
    (this as any)[name] = tensor;
  }

  /**
   * Adds a child module under any name (`"block 0"` is fine), as a field. The name is listed
   * exactly as given (in `namedModules`, `stateDict` keys, the printed tree, `getSubmodule`), as
   * PyTorch's `add_module`. Example: `net.addModule(\`block ${i}\`, block1())`.
   */
  addModule(name: string, module: Module | null): void {
    checkName("addModule", this, name);
    if (module !== null && !(module instanceof Module))
      throw new TypeError(`addModule: "${name}" must be a Module or null`);
    this.#buffers.delete(name);
    this.#verbatim.add(name);
    this.#touch(name);
    (this as any)[name] = module;
  }

  /** Alias of `addModule` (PyTorch's `register_module`). */
  registerModule(name: string, module: Module | null): void {
    this.addModule(name, module);
  }

  // ------------------------------------------------------------------ traversal

  /**
   * Every module of the tree (this one first, named ""), each listed once.
   * Example: `for (const [name, m] of net.namedModules()) ...`.
   */
  namedModules(prefix = "", memo: Set<Module> = new Set()): [string, Module][] {
    const out: [string, Module][] = [];
    const visit = (m: Module, p: string) => {
      if (memo.has(m)) return;
      memo.add(m);
      out.push([p, m]);
      for (const [name, child] of m.ownModules()) visit(child, p === "" ? name : `${p}.${name}`);
    };
    visit(this, prefix);
    return out;
  }

  /** Every module of the tree, this one first. Example: `net.modules().length`. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** The direct children with their names, each listed once. Example: `net.namedChildren()[0][0] === "0"`. */
  namedChildren(): [string, Module][] {
    const memo = new Set<Module>();
    return this.ownModules().filter(([, m]) => !memo.has(m) && memo.add(m) !== undefined);
  }

  /** The direct children, each listed once. Example: `for (const m of net.children()) ...`. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * Parameters with dotted names, recursively; a parameter shared by two layers is listed once.
   * Example: `net.namedParameters()` gives `[["0.weight", w], ["0.bias", b], ...]`.
   */
  namedParameters(options: { prefix?: string; recurse?: boolean } = {}): [string, Parameter][] {
    const { prefix = "", recurse = true } = options;
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    const memo = new Set<Tensor>();
    const out: [string, Parameter][] = [];
    for (const [p, m] of mods) {
      for (const [name, param] of m.ownParameters()) {
        if (memo.has(param)) continue;
        memo.add(param);
        out.push([p === "" ? name : `${p}.${name}`, param]);
      }
    }
    return out;
  }

  /** The parameters, recursively, each once. Example: `new optim.SGD(net.parameters(), { lr: 0.1 })`. */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters({ recurse }).map(([, p]) => p);
  }

  /** Buffers with dotted names, recursively, each once. Example: `bn.namedBuffers()`. */
  namedBuffers(options: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    const { prefix = "", recurse = true } = options;
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    const memo = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [p, m] of mods) {
      for (const [name, buf] of m.ownBuffers()) {
        if (memo.has(buf)) continue;
        memo.add(buf);
        out.push([p === "" ? name : `${p}.${name}`, buf]);
      }
    }
    return out;
  }

  /** The buffers, recursively. Example: `net.buffers().length`. */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers({ recurse }).map(([, b]) => b);
  }

  /** The submodule at a dotted path. Example: `net.getSubmodule("0.block 1.2")`. */
  getSubmodule(target: string): Module {
    return target === ""
      ? this
      : target.split(".").reduce<Module>((mod, part) => {
          const found = mod.ownModules().find(([name]) => name === part);
          if (!found)
            throw new Error(
              `getSubmodule: ${mod.constructor.name} has no submodule "${part}" (path "${target}")`,
            );
          return found[1];
        }, this);
  }

  /** The number of elements in all parameters (each counted once). Example: `net.numParameters()`. */
  numParameters(options: { onlyTrainable?: boolean } = {}): number {
    return this.parameters()
      .filter((p) => !options.onlyTrainable || p.requiresGrad)
      .reduce((n, p) => n + p.numel(), 0);
  }

  // ------------------------------------------------------------------ behaviour

  /**
   * Calls `fn` on every child (recursively, children first) and then on this module.
   * Example: `net.apply((m) => { if (m instanceof nn.Linear) nn.init.zeros_(m.bias!); })`.
   */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Sets training mode on this module and every descendant. Example: `net.train()`. */
  train(mode = true): this {
    if (typeof mode !== "boolean")
      throw new TypeError(`train: mode must be a boolean, got ${typeof mode}`);
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  /** Evaluation mode (dropout off, running statistics used): `train(false)`. Example: `net.eval()`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Clears the gradients of every parameter: sets them to null (the default) or zeroes them.
   * Example: `net.zeroGrad()`.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (setToNone) p.grad = null;
      else {
        if (p.grad.gradFn !== null) p.grad = p.grad.detach();
        const g = p.grad;
        noGrad(() => g.zero_());
      }
    }
  }

  /** Sets `requiresGrad` on every parameter (false freezes them). Example: `backbone.requiresGrad_(false)`. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * Casts floating parameters and buffers to `dtype` in place (the same Parameter objects, so
   * optimizers keep them), or checks a device. Example: `net.to("float64")`.
   */
  to(target: DType | Device | string): this {
    if (target !== "float32" && target !== "float64") {
      if (target === "int32" || target === "bool")
        throw new TypeError(`Module.to: only floating dtypes are allowed, got ${target}`);
      parseDevice(target as string | Device);
      return this;
    }
    const dtype = target;
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        if (!isFloating(t.dtype) || t.dtype === dtype) continue;
        if (isUninitialized(t)) continue;
        setData(t, cast(t, dtype));
        if (t.grad !== null) t.grad = cast(t.grad, dtype);
      }
    });
    return this;
  }

  /** Casts to float64. Example: `net.double()`. */
  double(): this {
    return this.to("float64");
  }

  /** Casts to float32. Example: `net.float()`. */
  float(): this {
    return this.to("float32");
  }

  // ------------------------------------------------------------------ hooks

  /**
   * Runs `hook(module, inputs, output)` after every `forward`; a returned value replaces the
   * output. The hook takes the place of the instance's `forward` (there is no hidden `__call__`),
   * so `module.forward(x)` runs it. Example:
   * `const h = net.registerForwardHook((m, inp, out) => console.log(out.shape)); h.remove();`
   */
  registerForwardHook(hook: ForwardHook<this>): RemovableHandle {
    this.#hooks.push(hook);
    this.#installHooks();
    return new RemovableHandle(() => this.#removeHook(this.#hooks, hook));
  }

  /**
   * Runs `hook(module, inputs)` before every `forward`; a returned array (or single value)
   * replaces the inputs. Example: `net.registerForwardPreHook((m, [x]) => [x.mul(2)])`.
   */
  registerForwardPreHook(hook: ForwardPreHook<this>): RemovableHandle {
    this.#preHooks.push(hook);
    this.#installHooks();
    return new RemovableHandle(() => this.#removeHook(this.#preHooks, hook));
  }

  #installHooks(): void {
    if (this.#innerForward !== null) return;
    const inner = this.forward;
    this.#innerForward = inner;
    const hooked = (...args: unknown[]) => {
      let inputs = args;
      for (const pre of [...this.#preHooks]) {
        const r = pre(this, inputs);
        if (r !== undefined) inputs = Array.isArray(r) ? r : [r];
      }
      let output = inner.apply(this, inputs);
      for (const hook of [...this.#hooks]) {
        const r = hook(this, inputs, output);
        if (r !== undefined) output = r;
      }
      return output;
    };
    // Non-enumerable, so the field reflection never sees it.
    Object.defineProperty(this, "forward", {
      value: hooked,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  #removeHook(list: unknown[], hook: unknown): void {
    const i = list.indexOf(hook);
    if (i >= 0) list.splice(i, 1);
    if (this.#hooks.length === 0 && this.#preHooks.length === 0 && this.#innerForward !== null) {
      const inner = this.#innerForward;
      this.#innerForward = null;
      if (Object.getPrototypeOf(this).forward === inner) delete (this as any).forward;
      else
        Object.defineProperty(this, "forward", {
          value: inner,
          writable: true,
          configurable: true,
          enumerable: false,
        });
    }
  }

  // ------------------------------------------------------------------ state dicts

  /**
   * Parameters and persistent buffers under PyTorch's keys, sharing data with the module
   * (detached unless `keepVars`). A module reachable twice appears under both names, as in
   * PyTorch. Example: `net.stateDict()["2.bias"]`.
   */
  stateDict(options: { prefix?: string; keepVars?: boolean } = {}): StateDict {
    const { prefix = "", keepVars = false } = options;
    const out: StateDict = {};
    const visit = (m: Module, p: string) => {
      for (const [name, param] of m.ownParameters())
        out[p + name] = keepVars ? param : param.detach();
      for (const [name, buf, persistent] of m.ownBuffers())
        if (persistent) out[p + name] = keepVars ? buf : buf.detach();
      for (const [name, child] of m.ownModules()) visit(child, `${p}${name}.`);
    };
    visit(this, prefix);
    return out;
  }

  /**
   * Copies a state dict into the parameters and buffers. Every problem (missing, unexpected and
   * wrong-shaped keys) is reported in one error, before anything is written; with
   * `strict: false`, missing and unexpected keys are returned instead. Lazy parameters take the
   * loaded shape. Example: `net.loadStateDict(saved)`.
   */
  loadStateDict(stateDict: StateDict, options: { strict?: boolean } = {}): LoadStateDictResult {
    const targets: LoadTarget[] = [];
    const visit = (m: Module, p: string) => {
      for (const [name, t] of m.ownParameters()) targets.push({ key: p + name, tensor: t });
      for (const [name, t, persistent] of m.ownBuffers())
        if (persistent) targets.push({ key: p + name, tensor: t });
      for (const [name, child] of m.ownModules()) visit(child, `${p}${name}.`);
    };
    visit(this, "");
    const result = copyStateDict(this.constructor.name, targets, stateDict, options.strict ?? true);
    for (const m of this.modules()) m.afterLoadStateDict();
    return result;
  }

  /** Called on every module after `loadStateDict` wrote its values (lazy layers fix their sizes). */
  protected afterLoadStateDict(): void {}

  // ------------------------------------------------------------------ printing

  /** The module tree exactly as PyTorch prints it. Example: `console.log(String(net))`. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra === "" ? [] : extra.split("\n");
    const childLines = this.ownModules().map(
      ([name, m]) => `(${name}): ${addIndent(m.toString(), 2)}`,
    );
    const lines = [...extraLines, ...childLines];
    let text = `${this.constructor.name}(`;
    if (lines.length > 0) {
      if (extraLines.length === 1 && childLines.length === 0) text += extraLines[0];
      else text += `\n  ${lines.join("\n  ")}\n`;
    }
    return `${text})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
