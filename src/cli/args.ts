import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Flags shared by the commands that render (create, plan, update). */
export const renderFlags = {
  blueprint: { type: "string", short: "b" },
  gitops: { type: "string" },
  set: { type: "string", multiple: true, short: "s" },
  values: { type: "string", short: "f" },
  yes: { type: "boolean", short: "y" },
  output: { type: "string", short: "o" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

/** node:util parseArgs with errors turned into UsageError (exit 2) that name the flag. */
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

export function parseFlags<T extends Options>(argv: string[], options: T): Parsed<T> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(`${message}. Run \`create-cluster-repo --help\` for the flags.`);
  }
}

export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${allowed.join(", ")} (got "${value}")`);
}
