/**
 * Flags are declared once per command (src/cli/flags.ts); parsing and help text are derived from the declaration.
 *
 * Written on node:util parseArgs rather than citty: citty's parser runs parseArgs non-strict, so an unknown or
 * misspelt flag would be ignored instead of refused with exit 2, and repeatable flags (--set) are not supported.
 */
import { parseArgs } from "node:util";
import { UsageError } from "../errors.js";

export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  /** Repeatable: the values arrive as a list. */
  multiple?: boolean;
  /** The value's placeholder in help, e.g. "<file>" (flags with `choices` show them instead). */
  value?: string;
  /** The only values accepted; anything else is a usage error (exit 2) naming them. */
  choices?: readonly string[];
  description: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface CommandSpec<Flags extends FlagSpecs = FlagSpecs> {
  name: string;
  /** Usage lines without the program name, e.g. "validate [paths...] [options]". */
  usage: string[];
  /** What the command does, a sentence or two. */
  summary: string;
  flags: Flags;
  /** Extra help sections after the flags (lines as printed). */
  notes?: () => string;
}

export function defineCommand<const Flags extends FlagSpecs>(spec: CommandSpec<Flags>): CommandSpec<Flags> {
  return spec;
}

/** The parsed flags' types, from their declaration. */
export type FlagValues<Flags extends FlagSpecs> = {
  [Name in keyof Flags]?: Flags[Name]["type"] extends "boolean"
    ? boolean
    : Flags[Name]["choices"] extends readonly (infer Choice)[]
      ? Choice
      : Flags[Name]["multiple"] extends true
        ? string[]
        : string;
};

/** Parses argv against a command's flags; unknown flags, missing values and values outside `choices` are UsageErrors (exit 2). */
export function parseCommand<Flags extends FlagSpecs>(command: CommandSpec<Flags>, argv: string[]): { values: FlagValues<Flags>; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(command.flags).map(([name, flag]) => [name, { type: flag.type, ...(flag.short ? { short: flag.short } : {}), ...(flag.multiple ? { multiple: true } : {}) }]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(`${message}. Run \`create-cluster-repo ${command.name === "create" ? "" : `${command.name} `}--help\` for the flags.`);
  }
  for (const [name, flag] of Object.entries(command.flags)) {
    const value = parsed.values[name];
    if (flag.choices && typeof value === "string" && !flag.choices.includes(value)) {
      throw new UsageError(`--${name} must be one of ${flag.choices.join(", ")} (got "${value}")`);
    }
  }
  return { values: parsed.values as FlagValues<Flags>, positionals: parsed.positionals };
}

const WIDTH = 118;

/** Words of `text` on lines of at most `width` characters, every line after the first indented by `indent`. */
export function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

/** `-b, --blueprint <name>`, as help and README.md write a flag. */
export function flagSignature(name: string, flag: FlagSpec): string {
  const value = flag.choices ? flag.choices.join("|") : flag.value;
  return `${flag.short ? `-${flag.short}, ` : "    "}--${name}${value ? ` ${value}` : ""}`;
}

/** The flag table of a command's help: signature, then the description wrapped beside it. */
export function flagLines(flags: FlagSpecs): string {
  const signatures = Object.entries(flags).map(([name, flag]) => [flagSignature(name, flag), flag.description] as const);
  const column = Math.min(34, Math.max(...signatures.map(([signature]) => signature.length)) + 4);
  return signatures
    .map(([signature, description]) => {
      const left = `  ${signature}`;
      const start = left.length + 2 > column ? `${left}\n${" ".repeat(column)}` : left.padEnd(column);
      return `${start}${wrap(description, WIDTH - column, column)}`;
    })
    .join("\n");
}

/** `create-cluster-repo <command> --help`. */
export function commandHelp(command: CommandSpec): string {
  const usage = command.usage.map((line, i) => `${i === 0 ? "Usage: " : "       "}create-cluster-repo ${line}`).join("\n");
  return `${usage}\n\n${wrap(command.summary, WIDTH, 0)}\n\n${flagLines(command.flags)}\n${command.notes ? `\n${command.notes()}` : ""}`;
}
