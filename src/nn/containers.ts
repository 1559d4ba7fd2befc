import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { addIndent } from "./repr.js";

type Named<M> = Record<string, M> | Map<string, M>;

function isNamed(x: unknown): x is Named<Module> {
  return x instanceof Map || (typeof x === "object" && x !== null && !(x instanceof Module));
}

function entriesOf<M>(named: Named<M>): [string, M][] {
  return named instanceof Map ? [...named.entries()] : Object.entries(named);
}

// Python-style index: negative counts from the end; out of range throws.
function normIndex(op: string, i: number, n: number): number {
  if (!Number.isInteger(i)) throw new TypeError(`${op}: index must be an integer, got ${i}`);
  const j = i < 0 ? i + n : i;
  if (j < 0 || j >= n) throw new RangeError(`${op}: index ${i} is out of range for ${n} modules`);
  return j;
}

/** The element type of a tuple for a literal index, else the union of all elements. */
type At<T extends readonly Module[], I extends number> = `${I}` extends keyof T
  ? T[`${I}` & keyof T]
  : T[number];

/**
 * Runs modules in order, each on the previous one's output. Children are named "0", "1", ...
 * (or by a record/Map of names). Typed by its modules, so `net.at(0)` is a `Linear`.
 * Example: `const net = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));`
 */
export class Sequential<T extends Module[] = Module[]> extends Module {
  constructor(...modules: T);
  constructor(named: Named<T[number]>);
  constructor(...args: any[]) {
    super();
    if (args.length === 1 && isNamed(args[0])) {
      for (const [name, m] of entriesOf(args[0])) this.addModule(name, m);
    } else {
      args.forEach((m, i) => {
        if (!(m instanceof Module))
          throw new TypeError(`Sequential: argument ${i} is not a Module (got ${typeof m})`);
        this.addModule(String(i), m);
      });
    }
  }

  override forward(input: Tensor): Tensor {
    let x: any = input;
    for (const [, m] of this.ownModules()) x = m.forward(x);
    return x;
  }

  /** The number of modules. Example: `net.length === 3`. */
  get length(): number {
    return this.ownModules().length;
  }

  /** The module at position `i` (negative counts from the end). Example: `net.at(-1)`. */
  at<I extends number>(i: I): At<T, I> {
    const mods = this.ownModules();
    return mods[normIndex("Sequential.at", i, mods.length)][1] as At<T, I>;
  }

  /** Iterates over the modules in order. Example: `for (const layer of net) ...`. */
  [Symbol.iterator](): Iterator<T[number]> {
    const mods = this.ownModules().map(([, m]) => m as T[number]);
    return mods[Symbol.iterator]();
  }

  /** Adds a module at the end (named by its position). Example: `net.append(new nn.ReLU())`. */
  append(module: Module): this {
    this.addModule(String(this.length), module);
    return this;
  }

  /** Appends several modules. Example: `net.extend([a, b])`. */
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts a module at `index`, shifting the later ones (named "0".."n"). Example: `net.insert(1, new nn.ReLU())`. */
  insert(index: number, module: Module): this {
    const n = this.length;
    if (!(index >= -n && index <= n))
      throw new RangeError(`Sequential.insert: index ${index} is out of range for ${n} modules`);
    const at = index < 0 ? index + n : index;
    if (at === n) return this.append(module);
    const self = this as any;
    this.addModule(String(n), self[String(n - 1)]);
    for (let i = n - 1; i > at; i--) self[String(i)] = self[String(i - 1)];
    self[String(at)] = module;
    return this;
  }

  /** Removes and returns the module at `index`; the rest are renumbered "0".."n-2", as PyTorch does. */
  pop(index = -1): T[number] {
    const entries = this.ownModules();
    const j = normIndex("Sequential.pop", index, entries.length);
    const removed = entries[j][1];
    for (const name of this.childFields()) delete (this as any)[name];
    entries.splice(j, 1);
    entries.forEach(([, m], i) => this.addModule(String(i), m));
    return removed as T[number];
  }

  /**
   * The modules in [start, end) as a new Sequential that keeps their names (as `net[1:3]`).
   * Example: `net.slice(0, 2)`.
   */
  slice(start?: number, end?: number): Sequential<T[number][]> {
    const fields = this.childFields();
    const out = new Sequential<T[number][]>();
    for (const name of fields.slice(start, end)) out.addModule(name, (this as any)[name]);
    return out;
  }
}

/**
 * A list of modules, registered as children "0", "1", ... (no forward of its own).
 * Example: `this.blocks = new nn.ModuleList([...Array(4)].map(() => new Block()))`.
 */
export class ModuleList<M extends Module = Module> extends Module {
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /** The number of modules. */
  get length(): number {
    return this.ownModules().length;
  }

  /** The module at `i` (negative counts from the end). Example: `blocks.at(0)`. */
  at(i: number): M {
    const mods = this.ownModules();
    return mods[normIndex("ModuleList.at", i, mods.length)][1] as M;
  }

  /** Replaces the module at `i`. Example: `blocks.set(0, new Block())`. */
  set(i: number, module: M): this {
    const fields = this.childFields();
    (this as any)[fields[normIndex("ModuleList.set", i, fields.length)]] = module;
    return this;
  }

  [Symbol.iterator](): Iterator<M> {
    const mods = this.ownModules().map(([, m]) => m as M);
    return mods[Symbol.iterator]();
  }

  /** Adds a module at the end. Example: `blocks.append(new Block())`. */
  append(module: M): this {
    if (!(module instanceof Module))
      throw new TypeError(`ModuleList.append: expected a Module, got ${typeof module}`);
    this.addModule(String(this.length), module);
    return this;
  }

  /** Appends several modules. */
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts a module before `index`. Example: `blocks.insert(0, first)`. */
  insert(index: number, module: M): this {
    const mods = this.ownModules().map(([, m]) => m as M);
    const n = mods.length;
    const at = Math.max(0, Math.min(n, index < 0 ? index + n : index));
    mods.splice(at, 0, module);
    for (const name of this.childFields()) delete (this as any)[name];
    mods.forEach((m, i) => this.addModule(String(i), m));
    return this;
  }

  /** Removes and returns the module at `index`, renumbering the rest. */
  pop(index = -1): M {
    const mods = this.ownModules().map(([, m]) => m as M);
    const j = normIndex("ModuleList.pop", index, mods.length);
    const [removed] = mods.splice(j, 1);
    for (const name of this.childFields()) delete (this as any)[name];
    mods.forEach((m, i) => this.addModule(String(i), m));
    return removed;
  }

  /** As PyTorch 2's repr: runs of identical modules print once, as `(0-2): 3 x Linear(...)`. */
  override toString(): string {
    const reprs = this.ownModules().map(([, m]) => m.toString());
    if (reprs.length === 0) return `${this.constructor.name}()`;
    const lines: string[] = [];
    let start = 0;
    for (let i = 1; i <= reprs.length; i++) {
      if (i < reprs.length && reprs[i] === reprs[start]) continue;
      const end = i - 1;
      const local =
        start === end
          ? `(${start}): ${reprs[start]}`
          : `(${start}-${end}): ${end - start + 1} x ${reprs[start]}`;
      lines.push(addIndent(local, 2));
      start = i;
    }
    return `${this.constructor.name}(\n  ${lines.join("\n  ")}\n)`;
  }
}

/**
 * Modules under string keys, in insertion order (no forward of its own). A key may not shadow a
 * method, as in PyTorch. Example: `new nn.ModuleDict({ conv: new nn.Conv2d(1, 6, 5), act: new nn.ReLU() })`.
 */
export class ModuleDict<M extends Module = Module> extends Module {
  constructor(modules?: Named<M> | Iterable<[string, M]>) {
    super();
    if (modules === undefined) return;
    const entries =
      modules instanceof Map || !(Symbol.iterator in modules)
        ? entriesOf(modules as Named<M>)
        : [...(modules as Iterable<[string, M]>)];
    for (const [k, m] of entries) this.set(k, m);
  }

  /** The module under `key`, or undefined. Example: `layers.get("conv")`. */
  get(key: string): M | undefined {
    return this.has(key) ? ((this as any)[key] as M) : undefined;
  }

  /** Adds or replaces the module under `key`. */
  set(key: string, module: M): this {
    if (this.has(key)) (this as any)[key] = module;
    else this.addModule(key, module);
    return this;
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    return this.childFields().includes(key);
  }

  /** Removes and returns the module under `key`. */
  pop(key: string): M {
    const m = this.get(key);
    if (m === undefined) throw new Error(`ModuleDict.pop: no module under key "${key}"`);
    delete (this as any)[key];
    return m;
  }

  /** Removes every module. */
  clear(): void {
    for (const name of this.childFields()) delete (this as any)[name];
  }

  /** The keys in insertion order. */
  keys(): string[] {
    return this.childFields();
  }

  /** The modules in insertion order. */
  values(): M[] {
    return this.childFields().map((k) => (this as any)[k] as M);
  }

  /** `[key, module]` pairs in insertion order. */
  entries(): [string, M][] {
    return this.childFields().map((k) => [k, (this as any)[k] as M]);
  }

  /** The number of modules. */
  get size(): number {
    return this.childFields().length;
  }

  /** Iterates over the keys, as a Python dict does. */
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
}
