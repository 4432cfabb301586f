/**
 * The versions an answers file records (the tool release that wrote it, the blueprint version it rendered) against
 * the ones of this tool, and what follows: a file from a newer release is refused (this tool cannot know its
 * templates or parameters), an older blueprint version is an upgrade.
 */
import { readPackageVersion } from "../_utils.js";
import { readManifest } from "../blueprints/registry.js";
import { isNewerVersion } from "../blueprints/versions.js";
import { defaults } from "../defaults.js";
import { InputError, UsageError } from "../errors.js";
import type { Answers } from "../generator/answers.js";

/** The blueprint version the answers file records, and the one this plan renders (they differ on an upgrade). */
export interface BlueprintVersionChange {
  id: string;
  from: string;
  to: string;
}

/** Which release wrote the repository, and which renders it now. */
export interface Releases {
  tool: { from: string; to: string };
  blueprint: { id: string; from: string; to: string };
}

export function releasesOf(answers: Answers, toolVersion: string = readPackageVersion()): Releases {
  return {
    tool: { from: answers.toolVersion, to: toolVersion },
    blueprint: { id: answers.blueprint, from: answers.blueprintVersion, to: readManifest(answers.blueprint).version },
  };
}

/**
 * Refuses an answers file written by a newer release of the tool, or recording a newer blueprint version than this
 * tool ships: rendering it with older templates would undo that release's work. Names both versions.
 * @throws InputError (exit 2)
 */
export function assertNotNewer(releases: Releases): void {
  const { tool, blueprint } = releases;
  const run = `run that release (\`npx ${defaults.toolName}@${tool.from} ...\`) or a newer one`;
  if (isNewerVersion(tool.from, tool.to)) {
    throw new InputError(`${defaults.answersFile} was written by ${defaults.toolName} ${tool.from}, newer than this one (${tool.to}); ${run}. Nothing was written`);
  }
  if (isNewerVersion(blueprint.from, blueprint.to)) {
    throw new InputError(
      `${defaults.answersFile} records blueprint ${blueprint.id} ${blueprint.from}, newer than the ${blueprint.to} this ${defaults.toolName} ${tool.to} ships; ` +
        `upgrade ${defaults.toolName} (its version ${tool.from} wrote the file) and run again. Nothing was written`,
    );
  }
}

/**
 * The blueprint version to render. This tool ships one version of each blueprint, so it can only render that one.
 * A repository recorded with an older version is upgraded by a plain `plan`/`update` (the upgrade is then the
 * whole change); a parameter change on top needs `--blueprint-version latest`, so that an upgrade is never the
 * side effect of another change.
 */
export function targetBlueprintVersion(releases: Releases, requested: string | undefined, otherChanges: boolean): BlueprintVersionChange | undefined {
  const { id, from, to } = releases.blueprint;
  if (requested !== undefined && requested !== "latest" && requested !== to) {
    throw new UsageError(`--blueprint-version ${requested}: this ${defaults.toolName} ships ${id} ${to} only; use --blueprint-version latest (or ${to})`);
  }
  assertNotNewer(releases);
  if (from === to) return undefined;
  if (requested === undefined && otherChanges) {
    throw new InputError(
      `${defaults.answersFile} records blueprint ${id} ${from}, and this ${defaults.toolName} ships ${to}; ` +
        `upgrade first with a plain \`update\` (\`plan\` shows it), or run again with --blueprint-version latest to change parameters in the same upgrade`,
    );
  }
  return { id, from, to };
}
