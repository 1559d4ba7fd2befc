// Runs a suite on the active backend and, when that is not the js one, again on the js reference
// backend, so the reference kernels stay tested where the native backend is the default.
import { after, before, describe } from "node:test";
import * as nb from "nabla";

/** Registers `body`'s tests once per backend, inside `describe("[name backend]")`. */
export function forEachBackend(body: () => void): void {
  const active = nb.getBackend();
  const backends = active.name === "js" ? [active] : [active, nb.jsBackend];
  for (const backend of backends) {
    describe(`[${backend.name} backend]`, () => {
      let previous: nb.Backend;
      before(() => {
        previous = nb.getBackend();
        nb.setBackend(backend);
      });
      after(() => {
        nb.setBackend(previous);
      });
      body();
    });
  }
}
