import { readPackageVersion } from "../_utils.js";
import { readCatalogMigrations, readMigrations } from "../blueprints/migrations.js";
import { catalogUnit, changesBetween, isNewerVersion, unitChangesBetween } from "../blueprints/versions.js";
import { loadBlueprint } from "../blueprints/load.js";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { PRE_CATALOG_VERSION, parseAnswersFile, type Answers } from "../generator/answers.js";
import { isTeamPath, recordOf, renderRecordFile } from "../generator/record.js";
import { sortedTree, type FileTree } from "../file-tree.js";
import { trackedFilesIfWorkTree } from "../git/blobs.js";
import { fileAtCommit, readTreeAtRef } from "../git/repo.js";
import { fillDefaults, type RawParamsInput } from "../params/parse.js";
import { appendKey } from "../params/set-flags.js";
import { renderBlueprint, type Rendered } from "../render-blueprint.js";
import type { ValidationReport, Problem } from "../validators/types.js";
import { bootstrapOwnership } from "./bootstrap-owned.js";
import { clusterConsequences, type Consequence } from "./consequences.js";
import { lastRender, type LastRender } from "./last-render.js";
import { mergeFile, type MergeOutcome } from "./merge.js";
import { explainMoveToBase, filesMovedToBases } from "../fleet/moved-to-base.js";
import { migrateAnswersParams, type AppliedStep } from "./migrate.js";
import { releasesOf, targetBlueprintVersion, type BlueprintVersionChange, type Releases } from "./release.js";
import { targetReader } from "../git/read-target.js";
import { summarizeChanges, type ChangeSummary } from "./summary.js";
import { validateResult } from "./validate-result.js";
import { readAnswers } from "./answers-file.js";

export { readAnswers };
import type { FleetCi } from "../generator/fleet-ci.js";
import { fleetCiForRoot } from "../fleet/ci.js";
import { FLEET_FILE, answersPathOf, inClusterScope, recordPathOf } from "../fleet/layout.js";
import { parseFleetFile, type FleetFile } from "../fleet/fleet-file.js";
import { overlayPathOf, overlayTextAfterRender, parseOverlayFile } from "../fleet/environment-overlay.js";
import { basesOf, missingBases, usesSharedBases } from "../fleet/shared-bases.js";
import { renderWorkloadBases } from "../fleet/workload-bases.js";
import { keptValues, type AddonKeptValue } from "../fleet/values-layers.js";
import { clusterValuesPatches } from "../catalog/render.js";

export type { BlueprintVersionChange } from "./release.js";

export interface ParamChange {
  path: string;
  from: unknown;
  to: unknown;
}

/** A parameter the recorded version did not have, rendered with its default. */
export interface GainedParam {
  path: string;
  value: unknown;
  description?: string;
}

export interface PlanOptions {
  /**
   * `latest` (or the version this tool ships) to change parameters in the same run as a blueprint upgrade. A plain
   * plan/update of a repository recorded with an older version is the upgrade.
   */
  blueprintVersion?: string;
  /** Recorded in the new answers file; defaults to this package's version (tests pin it). */
  toolVersion?: string;
  /**
   * Plan as if the checkout were this commit: its files are read from git's object store (nothing is checked out,
   * symlinks read as absent). Used to recognise a commit this tool made of its parent (see update/own-commits.ts).
   */
  at?: string;
  /** The cluster's folder in a fleet ("" for the repository's first cluster, `fleet/<name>/`): see docs/FLEETS.md. */
  root?: string;
  /** The fleet as it will be (add-cluster, before fleet.yaml is written). @default the repository's fleet.yaml */
  fleetFile?: FleetFile;
  /** The fleet the repository-wide files are rendered for. @default read from the repository (null: one cluster) */
  fleet?: FleetCi | null;
}

export interface Plan {
  dir: string;
  answers: Answers;
  /** Which release wrote the repository, and which renders it now. */
  releases: Releases;
  /** Set when the plan upgrades the blueprint (recorded version != rendered version). */
  blueprintUpgrade?: BlueprintVersionChange;
  /** What the versions of the upgrade changed, from the blueprint's CHANGELOG.md, newest first. */
  changelog: Array<{ version: string; text: string }>;
  /** The add-on catalog's versions: recorded (absent: before the catalog, 0.0.0) and this tool's. */
  catalog: { from: string; to: string };
  /** What the catalog versions after the recorded one changed (addons/CHANGELOG.md), newest first. */
  catalogChangelog: Array<{ version: string; text: string }>;
  /** Steps that carried the recorded parameters to the new version (blueprints/<id>/migrations.yaml). */
  migrations: AppliedStep[];
  /** Parameters the recorded version did not have, at their defaults. */
  paramsGained: GainedParam[];
  /** The parameters this change sets (from the recorded, migrated ones with defaults). */
  paramChanges: ParamChange[];
  /** Where the merge base came from: the committed record, or the history (a repository made by release 0.1.0). */
  base: LastRender["source"]["kind"];
  rendered: Rendered;
  outcomes: MergeOutcome[];
  /** The repository's files after the update (only the paths the generator is concerned with). */
  before: FileTree;
  after: FileTree;
  conflicts: Extract<MergeOutcome, { action: "conflict" }>[];
  /** What merging does in the cluster (prunes, re-bootstraps), first in every description of the change. */
  consequences: Consequence[];
  summary: ChangeSummary;
  /** The whole repository after the change. */
  report: ValidationReport;
  /** The failures the change brings (update refuses while `introduced.valid` is false). */
  introduced: ValidationReport;
  /** Failures the repository had before the change. */
  preexisting: Problem[];
  /**
   * In a fleet, the keys of add-on values this cluster keeps over its environment's (its answers file's
   * `addons.<name>.values` where the environment's overlay sets another value): src/fleet/values-layers.ts.
   */
  keptValues: AddonKeptValue[];
  /** The cluster's environment in a fleet. */
  environment?: string;
}

/**
 * The add-on catalog version an answers file records and the one this tool ships. A newer recorded one is refused,
 * as a newer blueprint version is: this tool does not know that catalog's add-ons or parameters.
 * @throws InputError (exit 2)
 */
export function catalogVersionChange(answers: Answers, current: string): { from: string; to: string } {
  const from = answers.catalogVersion ?? PRE_CATALOG_VERSION;
  if (isNewerVersion(from, current)) {
    throw new InputError(
      `${defaults.answersFile} records the add-on catalog ${from}, newer than the ${current} this ${defaults.toolName} ships; upgrade ${defaults.toolName} (its version ${answers.toolVersion} wrote the file) and run again. Nothing was written`,
    );
  }
  return { from, to: current };
}

/** The answers file as commit `ref` has it. */
async function answersAt(dir: string, ref: string, root = ""): Promise<Answers> {
  const name = `${answersPathOf(root)} at ${ref.slice(0, 12)}`;
  const text = await fileAtCommit(dir, ref, answersPathOf(root));
  if (text === undefined) throw new InputError(`${name} not found: that commit is not a render of ${defaults.toolName}`);
  return parseAnswersFile(text, name);
}

/** Files of commit `ref` by path (regular files only), as {@link targetReader} reads the work tree. */
async function commitReader(dir: string, ref: string): Promise<(path: string) => Promise<string | undefined>> {
  const tree = await readTreeAtRef(dir, ref);
  return async (path) => tree.get(path);
}

/** Dotted-path differences between two parameter sets. */
export function diffParams(before: unknown, after: unknown, path = ""): ParamChange[] {
  const isObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before as object), ...Object.keys(after as object)])].sort();
    // Keys are written as --set takes them, so a label key with dots reads `labels["topology.kubernetes.io/region"]`.
    return keys.flatMap((key) => diffParams((before as any)[key], (after as any)[key], appendKey(path, key)));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, from: before, to: after }];
}

const hasChanges = (changes: RawParamsInput) => (changes.sets?.length ?? 0) > 0 || Object.keys(changes.values ?? {}).length > 0;

/** A parameter's description in the blueprint's schema, for the "gained" list. */
function describeParam(schema: any, path: string): string | undefined {
  let node = schema;
  for (const key of path.split(".")) node = node?.properties?.[key];
  return typeof node?.description === "string" ? node.description : undefined;
}

/**
 * Re-renders from the answers file (migrated to this blueprint version) plus the changes, and merges the new render
 * with the repository from what the tool last wrote there (the merge base, see last-render.ts). Writes nothing.
 */
export async function planUpdate(dir: string, changes: RawParamsInput, options: PlanOptions = {}): Promise<Plan> {
  const root = options.root ?? "";
  const answers = options.at ? await answersAt(dir, options.at, root) : readAnswers(dir, root);
  const releases = releasesOf(answers, options.toolVersion ?? readPackageVersion());
  const blueprintUpgrade = targetBlueprintVersion(releases, options.blueprintVersion, hasChanges(changes));
  const blueprint = loadBlueprint(answers.blueprint);
  const catalogUpgrade = catalogVersionChange(answers, blueprint.catalog.version);
  const migration = migrateAnswersParams(
    answers.params,
    blueprintUpgrade ? { migrations: readMigrations(answers.blueprint), from: blueprintUpgrade.from, to: blueprintUpgrade.to } : undefined,
    { migrations: readCatalogMigrations(), ...catalogUpgrade },
  );
  const recorded = { ...migration.params, gitops: answers.gitops };
  const read = options.at ? await commitReader(dir, options.at) : await targetReader(dir);
  // In a fleet, the cluster's environment decides which overlay its layers use (src/fleet/environment-overlay.ts).
  const fleetText = options.fleetFile ? undefined : await read(FLEET_FILE);
  const fleetFile = options.fleetFile ?? (fleetText === undefined ? undefined : parseFleetFile(fleetText));
  const environment = fleetFile?.clusters.get(String(answers.params.clusterName));
  const rendered = await renderBlueprint(
    answers.blueprint,
    { values: { ...recorded, ...(changes.values ?? {}) }, sets: changes.sets },
    { toolVersion: options.toolVersion, root, ...(environment ? { environment } : {}), fleet: options.fleet !== undefined ? options.fleet : fleetCiForRoot(dir, root) },
  );

  // Paths handed over on Day 1 (flux bootstrap's flux-system/) are neither merged into nor deleted.
  const handedOver = await bootstrapOwnership(answers, read);
  const recordPath = recordPathOf(root);
  const merged = (path: string) => path !== recordPath && !isTeamPath(path, root) && !handedOver.owns(path);
  const last = await lastRender(dir, read, merged, options.at, root);
  const paths = [...new Set([...last.tree.keys(), ...rendered.tree.keys()])].filter(merged).sort();
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  const outcomes: MergeOutcome[] = [];
  // A conflict on a line that moved to an add-on's shared base says where it went (a fleet made before the bases).
  const movedToBases = filesMovedToBases(rendered.context, blueprint.catalog, root);
  const current = async (path: string) => {
    const content = await read(path);
    if (content !== undefined) before.set(path, content);
    return content;
  };
  for (const path of paths) {
    const theirs = await current(path);
    const outcome = explainMoveToBase(mergeFile({ path, base: last.tree.get(path), theirs, ours: rendered.tree.get(path) }), movedToBases);
    if (outcome.action === "write") after.set(path, outcome.content);
    else if (outcome.action !== "delete" && theirs !== undefined) after.set(path, theirs);
    outcomes.push(outcome);
  }
  // The team's place: its files are written where missing (a repository made before it existed gets it), never merged.
  for (const [path, content] of rendered.tree) {
    if (!isTeamPath(path, root)) continue;
    const theirs = await current(path);
    outcomes.push(theirs === undefined ? { path, action: "write", content } : { path, action: "keep" });
    after.set(path, theirs ?? content);
  }
  // The environment's overlay is no cluster's file (no record holds it): written as this render leaves it.
  let kept: AddonKeptValue[] = [];
  if (fleetFile && environment) {
    const overlayPath = overlayPathOf(environment);
    const theirs = await current(overlayPath);
    const overlay = overlayTextAfterRender(theirs, fleetFile.environments, rendered.context, catalogUpgrade.from !== catalogUpgrade.to);
    if (overlay !== undefined) {
      kept = keptValues(clusterValuesPatches(rendered.context), parseOverlayFile(overlay, overlayPath).values);
      outcomes.push(overlay === theirs ? { path: overlayPath, action: "keep" } : { path: overlayPath, action: "write", content: overlay });
      after.set(overlayPath, overlay);
    }
  }
  // The shared bases its add-ons list and the repository lacks (a fleet made before them): no record of this cluster's
  // holds them; they have the bytes the first cluster's render holds them with (src/fleet/shared-bases.ts).
  if (usesSharedBases(rendered.context)) {
    for (const [path, content] of await missingBases(read, [...basesOf(rendered.context, blueprint.catalog), ...renderWorkloadBases(blueprint.id)])) {
      if (rendered.tree.has(path)) continue;
      outcomes.push({ path, action: "write", content });
      after.set(path, content);
    }
  }
  // The record of this render, with the generated text of every file whose committed copy will differ from it.
  const committed = (path: string) => {
    const outcome = outcomes.find((o) => o.path === path);
    return outcome?.action === "conflict" && outcome.withMarkers !== undefined ? outcome.withMarkers : after.get(path);
  };
  const record = renderRecordFile(recordOf(rendered.tree, committed, (path) => !handedOver.owns(path), root));
  const recordBefore = await current(recordPath);
  outcomes.push(recordBefore === record ? { path: recordPath, action: "keep" } : { path: recordPath, action: "write", content: record });
  after.set(recordPath, record);

  const afterTree = sortedTree(after);
  const beforeTree = sortedTree(before);
  const conflicts = outcomes.filter((o): o is Extract<MergeOutcome, { action: "conflict" }> => o.action === "conflict");
  const summary = await summarizeChanges(beforeTree, afterTree);
  // In a fleet, this cluster's files and the repository-wide ones (see inClusterScope); else the whole repository.
  const names = [String(answers.params.clusterName), rendered.params.clusterName];
  const scope = (await read(FLEET_FILE)) === undefined ? undefined : (path: string) => inClusterScope(path, root, names);
  const validation = await validateResult(
    await repositoryWith(dir, read, afterTree, outcomes, scope),
    () => repositoryWith(dir, read, new Map(), [], scope),
    [rendered.context.gitops.repoUrl],
  );
  const { gained, changed } = paramDifferences(recorded, rendered, blueprint);
  return {
    dir,
    answers,
    releases,
    ...(blueprintUpgrade ? { blueprintUpgrade } : {}),
    changelog: blueprintUpgrade ? changesBetween(answers.blueprint, blueprintUpgrade.from, blueprintUpgrade.to) : [],
    catalog: catalogUpgrade,
    catalogChangelog: unitChangesBetween(catalogUnit, catalogUpgrade.from, catalogUpgrade.to),
    migrations: migration.applied,
    paramsGained: gained,
    paramChanges: changed,
    base: last.source.kind,
    rendered,
    outcomes,
    before: beforeTree,
    after: afterTree,
    conflicts,
    consequences: clusterConsequences({
      engine: { from: answers.gitops, to: rendered.params.gitops },
      cluster: { from: String(answers.params.clusterName), to: rendered.params.clusterName },
      fluxBootstrapped: handedOver.owner !== undefined,
      summary,
    }),
    summary,
    report: validation.report,
    introduced: validation.introduced,
    preexisting: validation.preexisting,
    keptValues: kept,
    ...(environment ? { environment } : {}),
  };
}

/**
 * Parameters the recorded (migrated) set lacked, filled with their defaults, apart from the ones this change sets:
 * an upgrade's new parameters are news, not decisions of the user.
 */
function paramDifferences(recorded: Record<string, unknown>, rendered: Rendered, blueprint: ReturnType<typeof loadBlueprint>): { gained: GainedParam[]; changed: ParamChange[] } {
  const withDefaults = fillDefaults(recorded, blueprint);
  const gained = diffParams(recorded, withDefaults)
    .filter((change) => change.from === undefined)
    .map(({ path, to }) => ({ path, value: to, ...(describeParam(blueprint.paramsSchema, path) ? { description: describeParam(blueprint.paramsSchema, path) } : {}) }));
  return { gained, changed: diffParams(withDefaults, rendered.params) };
}

/**
 * Every file of the repository with the change applied: the files git tracks, read from the work tree as `check`
 * reads them, the merged files written over them, deleted ones left out. A conflicting file
 * counts as the team has it (as before the change), not with the markers `--conflict markers` commits.
 */
export async function repositoryWith(
  dir: string,
  read: (path: string) => Promise<string | undefined>,
  changed: FileTree,
  outcomes: MergeOutcome[],
  scope: (path: string) => boolean = () => true,
): Promise<FileTree> {
  const files = new Map<string, string>();
  const listed = (await trackedFilesIfWorkTree(dir)) ?? [...changed.keys()];
  for (const path of listed) {
    if (!scope(path)) continue;
    // The team's symlinks and special files are theirs: left to `validate`'s own walk in CI.
    const content = await read(path).catch(() => undefined);
    if (content !== undefined) files.set(path, content);
  }
  for (const [path, content] of changed) files.set(path, content);
  for (const outcome of outcomes) if (outcome.action === "delete") files.delete(outcome.path);
  return sortedTree(files);
}
