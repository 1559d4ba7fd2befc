import { getBackend } from "../backend/index.js";
import { onStorageCreated, type Storage } from "../tensor/storage.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * Frees the gradients that a backward pass creates for its own use as soon as their last use is
 * done, as PyTorch's reference counting does, instead of when V8 next collects them.
 *
 * Why: a step's gradient of an activation is as large as the activation. Left to the garbage
 * collector, its memory comes back only at the next scavenge, a dozen steps later and long out of
 * cache, and the extra external memory makes those scavenges more frequent. Freed here, the block
 * is reused by the next tensor of its size within the same step or the next.
 *
 * Which storages: only those created while this backward runs (no user code runs then, so nothing
 * else can hold them) that are not handed out. A storage is freed once no pending gradient refers
 * to it (views share the storage, so a view of a gradient keeps it alive) and the node that
 * created or consumed it has finished. Gradients that become a `.grad`, a retained grad or a
 * result of `grad()` are kept.
 */
export class Temporaries {
  readonly #release: (array: Storage["data"]) => void;
  /** Storages created during this backward, with the number of pending gradients over each. */
  readonly #uses = new Map<Storage, number>();
  readonly #kept = new Set<Storage>();
  /** Created or given up since the last sweep: freed then unless in use or kept. */
  #candidates: Storage[] = [];

  private constructor(release: (array: Storage["data"]) => void) {
    this.#release = release;
    onStorageCreated((s) => {
      this.#uses.set(s, 0);
      this.#candidates.push(s);
    });
  }

  /** A tracker while backward runs, or null when the backend cannot free memory early. */
  static start(): Temporaries | null {
    const backend = getBackend();
    const release = backend.release;
    return release ? new Temporaries((array) => release.call(backend, array)) : null;
  }

  /** Stops watching new storages (the ones tracked so far are left to the garbage collector). */
  stop(): void {
    onStorageCreated(null);
  }

  /** `t` is now held by a pending gradient slot. */
  hold(t: Tensor): void {
    const n = this.#uses.get(t.storage);
    if (n !== undefined) this.#uses.set(t.storage, n + 1);
  }

  /** A pending slot let go of `t` (it was consumed). */
  drop(t: Tensor): void {
    const n = this.#uses.get(t.storage);
    if (n === undefined) return;
    this.#uses.set(t.storage, n - 1);
    if (n === 1) this.#candidates.push(t.storage);
  }

  /** `t` leaves the engine (a `.grad`, a retained or captured gradient): never freed. */
  keep(t: Tensor): void {
    this.#kept.add(t.storage);
  }

  /**
   * True when `t` is a dense tensor over a storage of this backward that one pending slot holds
   * and nothing was handed: the node consuming it may overwrite it.
   */
  owns(t: Tensor): boolean {
    const s = t.storage;
    return (
      this.#uses.get(s) === 1 &&
      !this.#kept.has(s) &&
      t.offset === 0 &&
      s.data.length === t.numel() &&
      t.isContiguous()
    );
  }

  /** Frees every candidate that no pending gradient uses; called between nodes. */
  sweep(): void {
    const candidates = this.#candidates;
    if (candidates.length === 0) return;
    this.#candidates = [];
    for (const s of candidates) {
      if (this.#uses.get(s) !== 0 || this.#kept.has(s)) continue;
      this.#uses.delete(s);
      this.#release(s.data);
    }
  }
}
