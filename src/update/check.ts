import { createTwoFilesPatch } from "diff";
import { defaults } from "../defaults.js";
import { gitBlobId, isTeamPath, parseRecordFile } from "../generator/record.js";
import { readBlobsIfWorkTree } from "../git/blobs.js";
import { renderBlueprint } from "../render-blueprint.js";
import { bootstrapOwnership } from "./bootstrap-owned.js";
import { lastRender } from "./last-render.js";
import { readAnswers } from "./plan.js";
import { assertNotNewer, releasesOf } from "./release.js";
import { targetReader } from "../git/read-target.js";
import { answersPathOf, recordPathOf } from "../fleet/layout.js";
import { readFleetFile } from "../fleet/members.js";
import { fleetCiForRoot } from "../fleet/ci.js";

/**
 * What `check` finds, each with its cause:
 * - `modified`, `missing`: a generated file edited (or deleted) by hand: it is not what the tool last wrote.
 * - `older-release`: the answers file records an older blueprint version than this release ships; `update` brings
 *   the new templates (then nothing is rendered to compare: that version's templates are not in this release).
 * - `outdated`: a file the tool last wrote is not what this release renders from the answers file (an older release
 *   of the tool with the same blueprint version, or an answers file changed by hand).
 * - `unset`: a parameter the repository cannot work without has no value (the answers file names it).
 */
export interface CheckDifference {
  path: string;
  kind: "modified" | "missing" | "older-release" | "outdated" | "unset";
  diff: string;
}

/** The one parameter without which a render points nowhere: see defaults.unsetRepoUrl. */
const REQUIRED_FOR_SYNC = "repoUrl";

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*/g, "\0").replace(/\*/g, "[^/]*").replace(/\0/g, ".*").replace(/\?/g, "[^/]");
  return new RegExp(`^${escaped}$`);
}

const patch = (path: string, from: string, to: string, labels: [string, string]) => createTwoFilesPatch(`${labels[0]}/${path}`, `${labels[1]}/${path}`, from, to, "", "", { context: 2 });

/**
 * Holds the repository to what the tool last wrote (its record, or for a repository made by release 0.1.0 the
 * commit that last wrote the answers file), and that to what this release renders from the answers file: the first
 * finds hand edits, the second a render by an older release. `allow` takes glob patterns of paths that may differ
 * (`apps/**`). The team's place (team/) and paths handed over to flux bootstrap are never compared.
 */
export async function checkRepository(dir: string, allow: string[] = [], root = ""): Promise<CheckDifference[]> {
  const answers = readAnswers(dir, root);
  const answersPath = answersPathOf(root);
  const recordPath = recordPathOf(root);
  const releases = releasesOf(answers);
  assertNotNewer(releases);
  const read = await targetReader(dir);
  const allowed = allow.map(globToRegExp);
  // Paths handed over to another tool on Day 1 (flux bootstrap's flux-system/) are that tool's to keep right.
  const handedOver = await bootstrapOwnership(answers, read);
  const compared = (path: string) => path !== recordPath && !isTeamPath(path, root) && !handedOver.owns(path) && !allowed.some((re) => re.test(path));
  const differences: CheckDifference[] = [];
  if (!answers.params[REQUIRED_FOR_SYNC]) {
    differences.push({
      path: answersPath,
      kind: "unset",
      diff: `${REQUIRED_FOR_SYNC} is not set: the GitOps objects point at a placeholder that never resolves; set it with \`${defaults.toolName} update --set ${REQUIRED_FOR_SYNC}=<url>\`\n`,
    });
  }

  // 1. Hand edits: the repository against what the tool last wrote. With a record, by blob id (the text, for the diff, when this clone has it).
  const recordText = await read(recordPath);
  const written = new Map<string, { id: string; text?: string }>();
  if (recordText !== undefined) {
    const record = parseRecordFile(recordText, recordPath);
    const inHistory = await readBlobsIfWorkTree(dir, [...record.files].filter(([path]) => !record.generated.has(path)).map(([, id]) => id));
    for (const [path, id] of record.files) written.set(path, { id, text: record.generated.get(path) ?? inHistory.get(id) });
  } else {
    for (const [path, text] of (await lastRender(dir, read)).tree) written.set(path, { id: gitBlobId(text), text });
  }
  for (const [path, { id, text }] of written) {
    if (!compared(path)) continue;
    const actual = await read(path);
    if (actual !== undefined && gitBlobId(actual) === id) continue;
    const diff =
      actual === undefined
        ? ""
        : text !== undefined
          ? patch(path, text, actual, ["generated", "repository"])
          : `(what ${defaults.toolName} wrote there is in git history this clone lacks: \`git fetch --unshallow\` shows the diff)\n`;
    differences.push({ path, kind: actual === undefined ? "missing" : "modified", diff });
  }

  // 2. The release: what the tool last wrote against what this release renders from the same answers.
  const { tool, blueprint } = releases;
  if (blueprint.from !== blueprint.to) {
    differences.push({
      path: answersPath,
      kind: "older-release",
      diff: `${defaults.toolName} ${tool.from} rendered this repository with blueprint ${blueprint.id} ${blueprint.from}; this ${defaults.toolName} ${tool.to} renders ${blueprint.id} ${blueprint.to}\n`,
    });
    return differences;
  }
  // In a fleet, its environment's overlay is part of its render (src/fleet/environment-overlay.ts).
  const environment = readFleetFile(dir)?.clusters.get(String(answers.params.clusterName));
  // The tool version the answers file records is rendered again as it was (the CI pins it, the README names it).
  const { tree } = await renderBlueprint(answers.blueprint, { values: { ...answers.params, gitops: answers.gitops } }, { toolVersion: answers.toolVersion, root, ...(environment ? { environment } : {}), fleet: fleetCiForRoot(dir, root) });
  for (const [path, content] of tree) {
    if (!compared(path)) continue;
    const before = written.get(path);
    if (before?.id === gitBlobId(content)) continue;
    differences.push({ path, kind: "outdated", diff: before?.text !== undefined ? patch(path, before.text, content, ["written", "rendered-now"]) : "" });
  }
  for (const path of written.keys()) {
    if (compared(path) && !tree.has(path)) differences.push({ path, kind: "outdated", diff: `(${defaults.toolName} ${tool.to} no longer renders it)\n` });
  }
  return differences;
}
