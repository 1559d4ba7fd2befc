let enabled = true;

/** Whether operations are being recorded for autograd. Example: `nb.isGradEnabled()`. */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Turns recording on or off globally, returning the previous mode. Example: `nb.setGradEnabled(false)`. */
export function setGradEnabled(mode: boolean): boolean {
  const previous = enabled;
  enabled = mode;
  return previous;
}

/** Runs `fn` without recording the graph, as `with torch.no_grad():`. Example: `nb.noGrad(() => w.sub_(g))`. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with recording on, even inside `noGrad`. Example: `nb.enableGrad(() => x.mul(2))`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

function withGradMode<T>(mode: boolean, fn: () => T): T {
  const previous = setGradEnabled(mode);
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new Error(
        "noGrad/enableGrad: the function returned a Promise; grad mode is global and synchronous, so wrap only synchronous code",
      );
    }
    return result;
  } finally {
    setGradEnabled(previous);
  }
}
