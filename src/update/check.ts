import { createTwoFilesPatch } from "diff";
import { readManifest } from "../blueprints/registry.js";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { renderBlueprint } from "../render-blueprint.js";
import { readAnswers } from "./plan.js";
import { targetReader } from "../git/read-target.js";

export interface CheckDifference {
  path: string;
  kind: "modified" | "missing";
  diff: string;
}

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
  const read = await targetReader(dir);
  for (const [path, expected] of tree) {
    if (allowed.some((re) => re.test(path))) continue;
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
