// What `import "nabla"` does on Node before anything else, so that a user's first op already runs
// on the native backend: importing this module makes the native addon the active backend (unless
// NABLA_BACKEND=js, or it does not load: then one warning says how to get it) and sets the
// tensor memory limit to the machine's memory. The core entry (src/core.ts, what a browser
// bundle gets) never imports it, so that nothing of Node is reached there.
import { setMemoryLimit } from "../../tensor/memory.js";
import { getBackend, setBackend } from "../index.js";
import { nativeBackend } from "../native/index.js";
import { machineMemoryLimit } from "./machine-memory.js";

const native = nativeBackend();
if (native !== null) setBackend(native);

// Tensors larger than the machine's memory (or than what is free, the active backend's pool
// counted as free) are refused with an error instead of being filled until the OS kills the process.
setMemoryLimit(machineMemoryLimit(() => getBackend().cachedBytes?.() ?? 0));
