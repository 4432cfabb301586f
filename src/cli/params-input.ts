import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import type { RawParamsInput } from "../params/parse.js";
import { parseSetFlag, type SetAssignment } from "../params/set-flags.js";

/** Reads a --values file: YAML mapping of parameters; errors give file, line and the fix. */
export function readValuesFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read --values ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (error as Error).message}; give the path of a YAML file of parameters`);
  }
  if (Buffer.byteLength(text) > defaults.maxParamsFileBytes) {
    throw new InputError(`--values ${file} is ${Math.ceil(Buffer.byteLength(text) / 1024)} KiB; a parameters file is at most ${defaults.maxParamsFileBytes / 1024} KiB (give fewer or shorter values)`);
  }
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    throw new InputError(`--values ${file}${line ? `:${line}` : ""}: not valid YAML: ${problem.message.split("\n")[0]}`);
  }
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // e.g. an alias bomb: the yaml library refuses to expand it ("Excessive alias count").
    throw new InputError(`--values ${file}: not valid YAML: ${(error as Error).message}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new InputError(`--values ${file}: must be a mapping of parameter names to values (e.g. "clusterName: prod"), got ${Array.isArray(data) ? "a list" : typeof data}`);
  }
  return data as Record<string, unknown>;
}

export interface ParamFlags {
  set?: string[];
  values?: string;
  gitops?: string;
}

/** Flags -> raw parameter input. `--gitops x` is `--set gitops=x`, applied before the --set flags. */
export function paramsInputFromFlags(flags: ParamFlags): RawParamsInput {
  const sets: SetAssignment[] = [];
  if (flags.gitops !== undefined) sets.push({ path: ["gitops"], raw: flags.gitops, source: `--gitops ${flags.gitops}` });
  for (const flag of flags.set ?? []) sets.push(parseSetFlag(flag));
  return { values: flags.values ? readValuesFile(flags.values) : undefined, sets };
}
