import { CliError, InputError, UsageError, ValidationFailedError } from "../errors.js";
import { forges } from "../forge/resolve.js";
import { STOP_SIGNALS, stopRequested } from "../interrupt.js";
import { redact, secretsInEnvironment } from "../redact.js";
import { escapeText } from "../terminal-text.js";
import { commandOf, type CommandName } from "./command-line.js";
import type { CliIo } from "./io.js";

/**
 * The only place that picks an exit code: 0 success, 1 invalid output or failed operation, 2 usage or input.
 * Commands are imported lazily so `--help` stays fast.
 */
const commands: Record<CommandName, () => Promise<{ run(argv: string[], io: CliIo): Promise<number | void> }>> = {
  blueprints: () => import("./commands/blueprints.js"),
  addons: () => import("./commands/addons.js"),
  validate: () => import("./commands/validate.js"),
  plan: () => import("./commands/plan.js"),
  update: () => import("./commands/update.js"),
  check: () => import("./commands/check.js"),
  create: () => import("./commands/create.js"),
  secrets: () => import("./commands/secrets.js"),
  "add-cluster": () => import("./commands/add-cluster.js"),
  "remove-cluster": () => import("./commands/remove-cluster.js"),
  promote: () => import("./commands/promote.js"),
};

/** Runs one command line and returns its exit code; output goes to `io`, errors included. */
export async function runCommandLine(argv: string[], io: CliIo): Promise<number> {
  const verbose = argv.includes("--verbose");
  try {
    const name = commandOf(argv);
    if (name === "help") {
      const { mainHelp } = await import("./help.js");
      io.stdout.write(mainHelp());
      return argv.length === 0 && io.stdin.isTTY !== true ? 2 : 0;
    }
    if (name === "version") {
      const { readPackageVersion } = await import("../_utils.js");
      io.stdout.write(`${readPackageVersion()}\n`);
      return 0;
    }
    const rest = name === argv[0] ? argv.slice(1) : argv;
    const command = await commands[name]();
    const status = (await command.run(rest, io)) ?? 0;
    // A signal that arrived once the guarded work was past its last step: the work is whole, the status says stopped.
    const signal = stopRequested();
    if (signal) {
      io.stderr.write(`note: ${signal} arrived after the work was complete; it was kept\n`);
      return STOP_SIGNALS[signal];
    }
    return status;
  } catch (error) {
    return reportError(error, verbose, io);
  }
}

function reportError(error: unknown, verbose: boolean, io: CliIo): number {
  // Error messages quote file names, values and remote answers: escaped before they reach the terminal. Servers'
  // words (and --verbose causes and stacks) may echo a credential: the tokens and anything shaped like one are
  // redacted here, whichever path the text took.
  const secrets = secretsInEnvironment(io.env, Object.values(forges).flatMap((forge) => forge.tokenVariables));
  const writeError = (text: string) => io.stderr.write(escapeText(redact(text, secrets)));
  if (error instanceof ValidationFailedError) {
    // The report itself was printed by the command; this is the one-line verdict.
    writeError(`error: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof CliError) {
    writeError(`error: ${error.message}\n`);
    if (error instanceof UsageError) writeError("Run `create-cluster-repo --help` for usage.\n");
    if (verbose && error.cause) writeError(`cause: ${String((error.cause as Error)?.stack ?? error.cause)}\n`);
    return error.exitCode;
  }
  // Not a CliError: a bug or an unexpected failure. Show the stack only on --verbose.
  const message = error instanceof Error ? error.message : String(error);
  writeError(`error: ${message}\n`);
  if (verbose && error instanceof Error) writeError(`${error.stack}\n`);
  else writeError("Run again with --verbose for details; if this looks like a bug, please report it.\n");
  return error instanceof InputError ? 2 : 1;
}
