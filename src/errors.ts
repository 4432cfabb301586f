import type { ValidationReport } from "./validators/types.js";

/** An expected failure with a message for the user and the exit code the CLI should use. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: number = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags or arguments: exit 2, the CLI shows usage. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, "E_USAGE", 2);
  }
}

/** Bad input data (parameters, values file, answers file, blueprint name): exit 2. */
export class InputError extends CliError {
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(details.length > 0 ? `${message}\n${details.map((d) => `  - ${d}`).join("\n")}` : message, "E_INPUT", 2);
  }
}

/** A blueprint's own files are inconsistent (unknown rule, missing template folder...): exit 1, one line per problem. */
export class BlueprintError extends CliError {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length > 0 ? `${message}\n${problems.map((p) => `  - ${p}`).join("\n")}` : message, "E_BLUEPRINT", 1);
  }
}

/** Parameters failed the blueprint's schema or rules: exit 2, one line per problem. */
export class ParamsError extends InputError {
  constructor(readonly messages: string[]) {
    super(`invalid parameters (${messages.length} problem${messages.length === 1 ? "" : "s"}):`, messages);
  }
}

/**
 * The rendered output (or a validated repo) is invalid: exit 1. The message counts both kinds of failure (a broken
 * GitOps reference is a failing check, not an invalid resource) and names the first failing checks; the command
 * prints the whole report with it.
 */
export class ValidationFailedError extends CliError {
  constructor(readonly report: ValidationReport) {
    const { invalid, errors, checks } = report.summary;
    const failing = report.results.flatMap((result) => (result.status === "invalid" || result.status === "error" ? result.problems.filter((p) => p.severity === "error") : []));
    const named = failing.slice(0, 3).map((p) => `${p.file}${p.line ? `:${p.line}` : ""} [${p.rule}]`);
    const more = failing.length > named.length ? `, and ${failing.length - named.length} more` : "";
    super(
      `validation failed: ${invalid + errors} invalid resource(s), ${checks.invalid + checks.errors} failing check(s)${named.length ? ` (${named.join(", ")}${more})` : ""}; nothing was written`,
      "E_VALIDATION",
      1,
    );
  }
}

export class GitError extends CliError {
  constructor(message: string, cause?: unknown) {
    super(message, "E_GIT", 1, { cause });
  }
}

export class ForgeError extends CliError {
  constructor(
    message: string,
    readonly status?: number,
    cause?: unknown,
  ) {
    super(message, "E_FORGE", 1, { cause });
  }
}

/** The target directory cannot be used (not empty, not writable...): exit 1 unless it is bad usage. */
export class TargetError extends CliError {
  constructor(message: string, exitCode = 1, cause?: unknown) {
    super(message, "E_TARGET", exitCode, { cause });
  }
}
