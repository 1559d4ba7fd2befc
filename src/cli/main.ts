// The `nabla` command (commander): train, eval, predict, models, summary, build-native.
// Run it as `npx nabla ...` (bin/nabla.js, after `npm run build`) or `tsx src/cli/main.ts ...`.
// The whole library, so that the CLI starts exactly as `import "nabla"` does (tensor methods,
// backend selection).
import "../index.js";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { runBuildNative } from "./build-native-command.js";
import { runEval } from "./eval-command.js";
import { runPredict } from "./predict-command.js";
import { modelsTable, runSummary } from "./info-commands.js";
import { runTrain, type TrainCliOptions } from "./train-command.js";

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${name} must be an integer >= 0, got "${value}"`);
    return n;
  };
}

function nonEmptyPath(name: string) {
  return (value: string): string => {
    // An empty path resolves to the current directory: a typo, never a choice.
    if (value.trim() === "")
      throw new InvalidArgumentError(`${name} must be a path, got "${value}"`);
    return value;
  };
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive number, got "${value}"`);
    return n;
  };
}

/** Where the program's output goes, e.g. `{ writeErr: (s) => (err += s), exitOverride: true }`. */
export interface ProgramOptions {
  /** commander's help and usage errors (default: process.stdout and process.stderr). */
  writeOut?: (text: string) => void;
  writeErr?: (text: string) => void;
  /** Throw commander's errors (as CommanderError) instead of exiting the process. */
  exitOverride?: boolean;
}

/**
 * Build the `nabla` program; `log` receives every line printed to stdout.
 * @example await buildProgram().parseAsync(["node", "nabla", "models"]);
 */
export function buildProgram(
  log: (line: string) => void = (l) => console.log(l),
  options: ProgramOptions = {},
): Command {
  const program = new Command("nabla")
    .description(
      "Train, evaluate and use the models of Dive into Deep Learning on Fashion-MNIST and MNIST.",
    )
    .showHelpAfterError("(run with --help for usage)")
    .enablePositionalOptions();
  // Before the subcommands are added: each copies these settings when it is created.
  const output: { writeOut?: (s: string) => void; writeErr?: (s: string) => void } = {};
  if (options.writeOut) output.writeOut = options.writeOut;
  if (options.writeErr) output.writeErr = options.writeErr;
  program.configureOutput(output);
  if (options.exitOverride) program.exitOverride();

  program
    .command("train")
    .description(
      "train a model (book defaults for batch size, lr, epochs and resize unless overridden); writes a checkpoint, metrics and curves every epoch",
    )
    .argument("<model>", "model name (see `nabla models`)")
    .option(
      "--dataset <name|dir>",
      "fashion-mnist, mnist, or a directory of IDX files",
      "fashion-mnist",
    )
    .option(
      "--epochs <n>",
      "total number of epochs (default: the model's)",
      positiveInt("--epochs"),
    )
    .option(
      "--batch-size <n>",
      "minibatch size (default: the model's)",
      positiveInt("--batch-size"),
    )
    .option("--lr <x>", "learning rate (default: the model's)", positiveNumber("--lr"))
    .option("--optimizer <name>", "sgd or adam (default: the model's)")
    .option(
      "--resize <n>",
      "resize images to n x n (default: the model's input size)",
      positiveInt("--resize"),
    )
    .option("--seed <n>", "random seed", nonNegativeInt("--seed"), 0)
    .option(
      "--out <dir>",
      "output directory (default: runs/<model>-<time>, or the checkpoint's directory with --resume)",
      nonEmptyPath("--out"),
    )
    .option(
      "--resume <checkpoint>",
      "continue a run from its checkpoint (model, optimizer, epoch and RNG state)",
      nonEmptyPath("--resume"),
    )
    .option(
      "--limit <n>",
      "use a fixed random subset of n examples of each split (quick runs)",
      positiveInt("--limit"),
    )
    .option("--no-progress", "do not show the progress bar")
    .option("--no-plot", "do not write the curves (SVG and PNG)")
    .action(async (model: string, options: TrainCliOptions, cmd: Command) => {
      const explicit = new Set(
        Object.keys(options).filter((k) => cmd.getOptionValueSource(k) === "cli"),
      );
      await runTrain(model, options, explicit, log);
    });

  program
    .command("eval")
    .description("evaluate a checkpoint's test accuracy")
    .argument("<checkpoint>", "a checkpoint.safetensors written by `nabla train`")
    .option("--dataset <name|dir>", "dataset to evaluate on (default: the run's)")
    .option("--batch-size <n>", "minibatch size", positiveInt("--batch-size"), 256)
    .option(
      "--limit <n>",
      "evaluate on a fixed random subset of n test examples",
      positiveInt("--limit"),
    )
    .option(
      "--model <name>",
      "architecture of a plain state dict (e.g. model.safetensors, or one saved by PyTorch)",
    )
    .action(async (checkpoint: string, options) => {
      await runEval(checkpoint, options, log);
    });

  program
    .command("predict")
    .description(
      "classify a PNG image with a checkpoint: prints the top classes and their probabilities",
    )
    .argument("<checkpoint>", "a checkpoint.safetensors written by `nabla train`")
    .argument("<image>", "a PNG image (converted to grayscale and resized to the model's input)")
    .option("--top <k>", "how many classes to print", positiveInt("--top"), 5)
    .option("--invert", "invert the image (for dark objects on a light background)", false)
    .option(
      "--model <name>",
      "architecture of a plain state dict (e.g. model.safetensors, or one saved by PyTorch)",
    )
    .action(async (checkpoint: string, image: string, options) => {
      await runPredict(checkpoint, image, options, log);
    });

  program
    .command("models")
    .description("list the models and their default hyperparameters")
    .action(() => {
      for (const line of modelsTable()) log(line);
    });

  program
    .command("summary")
    .description("print a model's layers with output shapes and parameter counts")
    .argument("<model>", "model name (see `nabla models`)")
    .option("--resize <n>", "input size n x n (default: the model's)", positiveInt("--resize"))
    .option("--batch-size <n>", "batch size of the example input", positiveInt("--batch-size"), 1)
    .option(
      "--depth <n>",
      "how deep to walk into blocks (1: the top-level layers)",
      positiveInt("--depth"),
      1,
    )
    .action((model: string, options) => {
      for (const line of runSummary(model, options)) log(line);
    });

  program
    .command("build-native")
    .description(
      "compile the native backend for this machine (needs python3, make and a C++ compiler); for when no prebuilt binary loads",
    )
    .action(() => {
      const code = runBuildNative();
      if (code !== 0) throw new Error("build-native: the native backend was not built (see above)");
    });

  return program;
}

/**
 * Run the CLI on `argv` (as `process.argv`); returns the exit code instead of exiting. `io`
 * redirects stdout lines (`log`) and everything written to stderr (`writeErr`).
 * @example process.exitCode = await main(process.argv);
 */
export async function main(
  argv: readonly string[],
  io: {
    log?: (line: string) => void;
    writeOut?: (text: string) => void;
    writeErr?: (text: string) => void;
  } = {},
): Promise<number> {
  const program = buildProgram(io.log, {
    writeOut: io.writeOut,
    writeErr: io.writeErr,
    exitOverride: true,
  });
  const error = (line: string) => (io.writeErr ? io.writeErr(`${line}\n`) : console.error(line));
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    const code = (e as { code?: string; exitCode?: number }).code;
    if (typeof code === "string" && code.startsWith("commander.")) {
      // commander already printed the help or the usage error.
      return (e as { exitCode?: number }).exitCode ?? 1;
    }
    error(`nabla: ${(e as Error).message}`);
    if (process.env["NABLA_DEBUG"]) error(String((e as Error).stack));
    return 1;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv);
}
