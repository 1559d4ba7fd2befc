// `npm run bench`: runs each section in turn; each prints its own table. Add sections to the list.
import { runOverhead } from "./overhead.js";

const sections: [string, () => void | Promise<void>][] = [["overhead", runOverhead]];

for (const [name, run] of sections) {
  const only = process.argv.slice(2);
  if (only.length > 0 && !only.includes(name)) continue;
  await run();
}
