import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { InputFileError, readInputFile } from "../read-input.js";
import { loadYamlFile } from "../yaml/load.js";
import type { RawParamsInput } from "../params/parse.js";
import { parseSetFlag, type SetAssignment } from "../params/set-flags.js";

/** Reads a --values file: YAML mapping of parameters; errors give file, line and the fix. */
export function readValuesFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readInputFile(file, { maxBytes: defaults.maxParamsFileBytes });
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    if (error.reason === "too-large") {
      const size = error.size === undefined ? `more than ${defaults.maxParamsFileBytes / 1024}` : `${Math.ceil(error.size / 1024)}`;
      throw new InputError(`--values ${file} is ${size} KiB; a parameters file is at most ${defaults.maxParamsFileBytes / 1024} KiB (give fewer or shorter values)`);
    }
    throw new InputError(`cannot read --values ${file}: ${error.detail}; give the path of a YAML file of parameters`);
  }
  const data = loadYamlFile(text, `--values ${file}`);
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
