import { createTwoFilesPatch } from "diff";
import { readManifest } from "../blueprints/registry.js";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { renderBlueprint } from "../render-blueprint.js";
import { bootstrapOwnership } from "./bootstrap-owned.js";
import { readAnswers } from "./plan.js";
import { targetReader } from "../git/read-target.js";

export interface CheckDifference {
  path: string;
  /** `unset`: a parameter the repository cannot work without has no value (the answers file names it). */
  kind: "modified" | "missing" | "unset";
  diff: string;
}

/** The one parameter without which a render points nowhere: see defaults.unsetRepoUrl. */
const REQUIRED_FOR_SYNC = "repoUrl";

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*/g, "\0").replace(/\*/g, "[^/]*").replace(/\0/g, ".*").replace(/\?/g, "[^/]");
  return new RegExp(`^${escaped}$`);
}

/**
 * Re-renders from the answers file and lists generated files whose content differs from it: hand edits the
 * answers file does not explain. `allow` takes glob patterns of paths that may differ (`apps/**`).
 */
export async function checkRepository(dir: string, allow: string[] = []): Promise<CheckDifference[]> {
  const answers = readAnswers(dir);
  const shipped = readManifest(answers.blueprint).version;
  if (answers.blueprintVersion !== shipped) {
    // Another blueprint version renders other files: comparing would blame every template change on the team.
    throw new InputError(
      `${defaults.answersFile} records blueprint ${answers.blueprint} ${answers.blueprintVersion}, and this ${defaults.toolName} ships ${shipped}: ` +
        `check with the ${defaults.toolName} version that rendered it (${answers.toolVersion}), or upgrade with \`update --blueprint-version latest\``,
    );
  }
  const { tree } = await renderBlueprint(answers.blueprint, { values: { ...answers.params, gitops: answers.gitops } }, { toolVersion: answers.toolVersion });
  const allowed = allow.map(globToRegExp);
  const differences: CheckDifference[] = [];
  if (!answers.params[REQUIRED_FOR_SYNC]) {
    differences.push({
      path: defaults.answersFile,
      kind: "unset",
      diff: `${REQUIRED_FOR_SYNC} is not set: the GitOps objects point at a placeholder that never resolves; set it with \`${defaults.toolName} update --set ${REQUIRED_FOR_SYNC}=<url>\`\n`,
    });
  }
  const read = await targetReader(dir);
  // Paths handed over to another tool on Day 1 (flux bootstrap's flux-system/) are that tool's to keep right.
  const handedOver = await bootstrapOwnership(answers, read);
  for (const [path, expected] of tree) {
    if (allowed.some((re) => re.test(path)) || handedOver.owns(path)) continue;
    const actual = await read(path);
    if (actual === expected) continue;
    differences.push({
      path,
      kind: actual === undefined ? "missing" : "modified",
      diff: actual === undefined ? "" : createTwoFilesPatch(`generated/${path}`, `repository/${path}`, expected, actual, "", "", { context: 2 }),
    });
  }
  return differences;
}
