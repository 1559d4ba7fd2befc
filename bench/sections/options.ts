// The flags of `npm run bench`: --quick, --only sgemm,conv,train,overhead,prebuilt, --no-torch.
import { type BenchOptions, SECTIONS, type SectionName } from "./workload.js";

const USAGE = `usage: npm run bench -- [--quick] [--only ${SECTIONS.join(",")}] [--no-torch]`;

/** Parses argv (section names may also be given bare, as before). Example: `parseOptions(["--quick"])`. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const opts: BenchOptions = { quick: false, only: [], torch: true };
  const addSections = (list: string) => {
    for (const name of list.split(",").filter(Boolean)) {
      if (!(SECTIONS as readonly string[]).includes(name))
        throw new Error(`bench: unknown section "${name}"; ${USAGE}`);
      opts.only.push(name as SectionName);
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--quick") opts.quick = true;
    else if (arg === "--no-torch") opts.torch = false;
    else if (arg === "--only") addSections(argv[++i] ?? "");
    else if (arg.startsWith("--only=")) addSections(arg.slice("--only=".length));
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (!arg.startsWith("-")) addSections(arg);
    else throw new Error(`bench: unknown flag "${arg}"; ${USAGE}`);
  }
  // Table order, whatever order the flags gave.
  const picked = new Set(opts.only);
  opts.only = SECTIONS.filter((s) => picked.size === 0 || picked.has(s));
  return opts;
}
