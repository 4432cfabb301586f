import { createTwoFilesPatch } from "diff";
import { answersPathOf } from "../fleet/layout.js";
import { defaults } from "../defaults.js";
import { PRE_CATALOG_VERSION, parseAnswersFile } from "../generator/answers.js";
import { sortedTree, type FileTree } from "../file-tree.js";
import { gitAt } from "../git/client.js";
import { readTreeAtRef } from "../git/repo.js";
import { treeSource, validateSource } from "../validators/index.js";
import type { ValidationReport } from "../validators/types.js";
import { clip, codeSpan, fencedBlock, fitItems, tableCodeCell } from "../markdown.js";
import { readCatalogMigrations, readMigrations } from "../blueprints/migrations.js";
import { loadBlueprint } from "../blueprints/load.js";
import { changesBetween } from "../blueprints/versions.js";
import { fillDefaults } from "../params/parse.js";
import { FLUX_BOOTSTRAP_MARKER, fluxSystemDir } from "./bootstrap-owned.js";
import { clusterConsequences, consequencesMarkdown, type Consequence } from "./consequences.js";
import { migrateAnswersParams, type AppliedStep } from "./migrate.js";
import { diffParams, type BlueprintVersionChange, type GainedParam, type ParamChange, type Plan } from "./plan.js";
import { formatSummary, possiblyReplaced, summarizeChanges, type ChangeSummary } from "./summary.js";
import type { TerraformSummary } from "./terraform-changes.js";
import type { AddonKeptValue } from "../fleet/values-layers.js";

/**
 * What a change does, in the words of a commit message and a PR body. Built from a plan (before committing), or
 * from a branch against its base (for the PR, so a re-run that finds the branch already done still describes
 * the whole change instead of "nothing changed").
 */
export interface ChangeDescription {
  blueprint: string;
  blueprintVersion: string;
  blueprintUpgrade?: BlueprintVersionChange;
  /** The tool releases that wrote the repository before and after the change. */
  toolVersions: { from: string; to: string };
  /** What the versions of an upgrade changed, from the blueprint's CHANGELOG.md, newest first. */
  changelog: Array<{ version: string; text: string }>;
  migrations: AppliedStep[];
  paramsGained: GainedParam[];
  paramChanges: ParamChange[];
  /** What merging does in the cluster, with the steps before and after. */
  consequences: Consequence[];
  before: FileTree;
  after: FileTree;
  summary: ChangeSummary;
  report: ValidationReport;
  /** Files committed with conflict markers (`--conflict markers`), to resolve before merging. */
  conflicts: Array<{ path: string; reason: string }>;
  /**
   * In a fleet, the values the cluster keeps over its environment's (src/fleet/values-layers.ts), as `plan` lists
   * them. Absent outside a fleet or when the change is described from a branch alone (the caller adds its plan's).
   */
  kept?: KeptOverEnvironment;
}

/** The values a cluster of a fleet keeps over its environment's, with the names a reader needs to place them. */
export interface KeptOverEnvironment {
  cluster: string;
  environment: string;
  values: AddonKeptValue[];
}

/** The plan's kept values (see {@link ChangeDescription.kept}), or undefined outside a fleet or when there are none. */
export function keptOf(plan: Plan): KeptOverEnvironment | undefined {
  return plan.environment && plan.keptValues.length > 0 ? { cluster: String(plan.rendered.params.clusterName), environment: plan.environment, values: plan.keptValues } : undefined;
}

export function describePlan(plan: Plan): ChangeDescription {
  return {
    blueprint: plan.answers.blueprint,
    blueprintVersion: plan.rendered.blueprint.version,
    ...(plan.blueprintUpgrade ? { blueprintUpgrade: plan.blueprintUpgrade } : {}),
    toolVersions: plan.releases.tool,
    changelog: plan.changelog,
    migrations: plan.migrations,
    paramsGained: plan.paramsGained,
    paramChanges: plan.paramChanges,
    consequences: plan.consequences,
    before: plan.before,
    after: plan.after,
    summary: plan.summary,
    report: plan.report,
    conflicts: plan.conflicts.map(({ path, reason }) => ({ path, reason })),
    ...(keptOf(plan) ? { kept: keptOf(plan)! } : {}),
  };
}

const MARKERS = /^<<<<<<< yours\n[\s\S]*?^>>>>>>> generated now$/m;

/** `head` against where it forked from `base`: the change a pull request from `head` into `base` shows. */
export async function describeBranch(
  dir: string,
  base: string,
  head: string,
  options: {
    repoUrls?: string[];
    /** The validation of `head`'s render when the caller just did it. */
    report?: ValidationReport;
    /** The cluster's folder in a fleet, whose answers file the change is read from (docs/FLEETS.md). */
    root?: string;
  } = {},
): Promise<ChangeDescription> {
  const fork = (await gitAt(dir).raw(["merge-base", base, head])).trim();
  const [beforeAll, afterAll] = await Promise.all([readTreeAtRef(dir, fork), readTreeAtRef(dir, head)]);
  // Only the files that differ: the summary and the diff are about the change, not the repository.
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  for (const path of new Set([...beforeAll.keys(), ...afterAll.keys()])) {
    if (beforeAll.get(path) === afterAll.get(path)) continue;
    if (beforeAll.has(path)) before.set(path, beforeAll.get(path)!);
    if (afterAll.has(path)) after.set(path, afterAll.get(path)!);
  }
  const answersPath = answersPathOf(options.root ?? "");
  const answersBefore = parseAnswersFile(beforeAll.get(answersPath) ?? "", `${answersPath} at ${base}`);
  const answersAfter = parseAnswersFile(afterAll.get(answersPath) ?? "", `${answersPath} at ${head}`);
  const upgraded = answersBefore.blueprintVersion !== answersAfter.blueprintVersion;
  const upgrade = { id: answersAfter.blueprint, from: answersBefore.blueprintVersion, to: answersAfter.blueprintVersion };
  // The same steps and defaults the plan applied, found again from the two answers files.
  const migration = migrateAnswersParams(
    answersBefore.params,
    upgraded ? { migrations: readMigrations(upgrade.id), from: upgrade.from, to: upgrade.to } : undefined,
    { migrations: readCatalogMigrations(), from: answersBefore.catalogVersion ?? PRE_CATALOG_VERSION, to: answersAfter.catalogVersion ?? PRE_CATALOG_VERSION },
  );
  const blueprint = loadBlueprint(answersAfter.blueprint);
  const recorded = { ...migration.params, gitops: answersBefore.gitops };
  const withDefaults = fillDefaults(recorded, blueprint);
  // Whole trees: a resource in an unchanged file is still replaced when it references one that is.
  const summary = await summarizeChanges(beforeAll, afterAll);
  const clusterBefore = String(answersBefore.params.clusterName);
  return {
    blueprint: answersAfter.blueprint,
    blueprintVersion: answersAfter.blueprintVersion,
    ...(upgraded ? { blueprintUpgrade: upgrade } : {}),
    toolVersions: { from: answersBefore.toolVersion, to: answersAfter.toolVersion },
    changelog: upgraded ? changesBetween(upgrade.id, upgrade.from, upgrade.to) : [],
    migrations: migration.applied,
    paramsGained: diffParams(recorded, withDefaults)
      .filter((change) => change.from === undefined)
      .map(({ path, to }) => ({ path, value: to })),
    paramChanges: diffParams(withDefaults, { ...answersAfter.params, gitops: answersAfter.gitops }),
    consequences: clusterConsequences({
      engine: { from: answersBefore.gitops, to: answersAfter.gitops },
      cluster: { from: clusterBefore, to: String(answersAfter.params.clusterName) },
      fluxBootstrapped: beforeAll.has(`${fluxSystemDir(clusterBefore)}${FLUX_BOOTSTRAP_MARKER}`),
      summary,
    }),
    before: sortedTree(before),
    after: sortedTree(after),
    summary,
    report: options.report ?? (await validateSource(treeSource(afterAll), { strict: true, repoUrls: options.repoUrls ?? [], placeholderUrls: "warning" })),
    conflicts: [...after].filter(([, content]) => MARKERS.test(content)).map(([path]) => ({ path, reason: "committed with conflict markers" })),
  };
}

const show = (value: unknown) => (value === undefined ? "(unset)" : typeof value === "string" ? value : JSON.stringify(value));

/** `create-cluster-repo/gpupool-maxsize-3`: a stable branch per change, so a re-run finds the same branch and PR. */
export function branchForChanges(changes: ParamChange[], upgrade?: BlueprintVersionChange, cluster?: string): string {
  // A fleet's added cluster names itself first: one branch (and pull request) per cluster for the same change.
  const parts = [...(upgrade ? [`upgrade-${upgrade.to}`] : []), ...changes.map((c) => `${c.path}-${show(c.to)}`)];
  const text = [...(cluster ? [cluster] : []), parts.join("-") || "rerender"].join("-");
  const slug = text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 50).replace(/-+$/, "");
  return `${defaults.branchPrefix}${slug || "rerender"}`;
}

export function commitMessageFor(change: ChangeDescription): string {
  const upgrade = change.blueprintUpgrade;
  const params = change.paramChanges.map((c) => `${c.path}=${show(c.to)}`).join(", ");
  const title = upgrade
    ? `Upgrade ${upgrade.id} blueprint to ${upgrade.to}${params ? `, update ${params}` : ""}`.slice(0, 72)
    : params
      ? `Update ${params}`.slice(0, 72)
      : `Re-render ${change.blueprint} ${change.blueprintVersion}`;
  const { replaced, destroyed } = change.summary.terraform;
  const lines = [
    ...change.consequences.flatMap((c) => [`- In the cluster: ${c.what}`, ...c.after.map((step, i) => `  after merging, ${i + 1}. ${step}`)]),
    ...(upgrade ? [`- blueprint ${upgrade.id}: ${upgrade.from} -> ${upgrade.to}`] : []),
    ...(change.toolVersions.from !== change.toolVersions.to ? [`- ${defaults.toolName}: ${change.toolVersions.from} -> ${change.toolVersions.to}`] : []),
    ...change.migrations.map((m) => `- migrated ${m.text}`),
    ...change.paramsGained.map((p) => `- new parameter ${p.path}: ${show(p.value)} (default)`),
    ...change.paramChanges.map((c) => `- ${c.path}: ${show(c.from)} -> ${show(c.to)}`),
    ...(replaced.length ? [`- Terraform replaces ${replaced.join(", ")}`] : []),
    ...(destroyed.length ? [`- Terraform destroys ${destroyed.join(", ")}`] : []),
    ...(possiblyReplaced(change.summary.terraform).length ? [`- Terraform may replace ${possiblyReplaced(change.summary.terraform).join(", ")}`] : []),
  ];
  return lines.length ? `${title}\n\n${lines.join("\n")}\n` : `${title}\n`;
}

/** The unified diff from `before` to `after`. */
export function planDiff(change: { before: FileTree; after: FileTree }): string {
  let diff = "";
  for (const [path, content] of change.after) {
    const before = change.before.get(path);
    if (before !== content) diff += createTwoFilesPatch(before === undefined ? "/dev/null" : `a/${path}`, `b/${path}`, before ?? "", content, "", "");
  }
  for (const path of change.before.keys()) if (!change.after.has(path)) diff += createTwoFilesPatch(`a/${path}`, "/dev/null", change.before.get(path)!, "", "", "");
  return diff;
}

/**
 * A GitHub alert naming every Terraform address that is destroyed (replacements included) and why; empty when
 * there is none. It opens the PR body, so the blast radius is the first thing a reviewer reads.
 */
export function terraformWarningMarkdown(terraform: TerraformSummary): string {
  const destructive = terraform.changes.filter((c) => c.action === "replace" || c.action === "destroy" || c.mayReplace.length > 0);
  if (destructive.length === 0) return "";
  const count = (n: number, what: string) => `${n} ${what}`;
  const headline = [
    ...(terraform.replaced.length ? [count(terraform.replaced.length, "replaced")] : []),
    ...(terraform.destroyed.length ? [count(terraform.destroyed.length, "destroyed")] : []),
    ...(possiblyReplaced(terraform).length ? [count(possiblyReplaced(terraform).length, "possibly replaced")] : []),
  ].join(", ");
  const items = destructive.map((c) => {
    const why =
      c.action === "replace"
        ? `**replaced**: ${c.reasons.map(codeSpan).join(", ")} ${c.reasons.length > 1 ? "force" : "forces"} a new resource`
        : c.action === "destroy"
          ? "**destroyed**"
          : `**possibly replaced**: the provider replaces it for some values of ${c.mayReplace.map(codeSpan).join(", ")} (the terraform workflow's plan tells)`;
    const refused = c.preventDestroy ? " — `prevent_destroy` is set, so `terraform plan` refuses this until it is turned off on purpose (README: *Destroying or replacing the cluster*)" : "";
    return `> - ${codeSpan(c.address)}: ${why}${refused}`;
  });
  return [
    "> [!WARNING]",
    `> **Terraform ${terraform.replaced.length + terraform.destroyed.length ? "destroys" : "may destroy"} resources in this change (${headline}).** A replaced resource is destroyed, with what runs on it, and created again.`,
    ">",
    ...fitItems(items, SHARE.warning, (left) => `> - … and ${left} more: see *What changes*`),
  ].join("\n");
}

/** GitHub refuses a pull-request body longer than this many characters. */
export const MAX_PULL_REQUEST_BODY = 65_536;

/** Where to point a reviewer for what a bounded body leaves out. */
export interface PullRequestBodyOptions {
  /** The pull request's base and head branches, for the command that shows the whole diff locally. */
  base?: string;
  head?: string;
  /** @default MAX_PULL_REQUEST_BODY */
  maxLength?: number;
}

// Shares of the body for the parts that grow with the change; the diff gets what they leave.
const SHARE = { warning: 8_000, parameters: 10_000, conflicts: 4_000, summary: 10_000 };
const CELL = 200;

/** A parameter value as one line of a table cell: strings as they are unless they hold line breaks or controls. */
const cellText = (value: unknown) => {
  const text = show(value);
  return clip(text === "" || /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : text, CELL);
};

/**
 * The PR body: parameter table, resource summary, validation, and the diff folded away. Text from the repository
 * (values, paths, file contents) stays inside its code spans and fences, whatever backticks it holds, and the body
 * stays within GitHub's limit: long lists end with "... and N more", and the diff is cut at a line with a note
 * saying how to see it whole.
 */
export function pullRequestBody(change: ChangeDescription, options: PullRequestBodyOptions = {}): string {
  const maxLength = options.maxLength ?? MAX_PULL_REQUEST_BODY;
  const rows = fitItems(
    change.paramChanges.map((c) => `| ${tableCodeCell(clip(c.path, CELL))} | ${tableCodeCell(cellText(c.from))} | ${tableCodeCell(cellText(c.to))} |`),
    SHARE.parameters,
    (left) => `| … | ${left} more: see \`${defaults.answersFile}\` in the diff | |`,
  );
  const { valid, summary } = change.report;
  const upgrade = change.blueprintUpgrade;
  const warning = terraformWarningMarkdown(change.summary.terraform);
  const summaryLines = fitItems(formatSummary(change.summary).trimEnd().split("\n"), SHARE.summary, (left) => `... and ${left} more lines`);
  const caution = consequencesMarkdown(change.consequences);
  // Versions are checked against the version syntax when the answers file is read: no code span needed.
  const tools = change.toolVersions.from !== change.toolVersions.to ? ` (${defaults.toolName} ${change.toolVersions.from} → ${change.toolVersions.to})` : "";
  const head = [
    ...(caution ? [caution, ""] : []),
    ...(warning ? [warning, ""] : []),
    `Re-rendered by ${defaults.toolName} from ${codeSpan(defaults.answersFile)} (blueprint ${codeSpan(change.blueprint)} ${codeSpan(change.blueprintVersion)}).`,
    ...(upgrade
      ? [
          "",
          `**Blueprint upgrade:** ${codeSpan(upgrade.id)} ${upgrade.from} → ${upgrade.to}${tools}. Your edits since the last render are merged in.`,
          // The changelog is the shipped blueprint's own text, not the repository's.
          ...change.changelog.flatMap((entry) => ["", `<details><summary>What ${upgrade.id} ${entry.version} changes</summary>`, "", entry.text, "", "</details>"]),
        ]
      : []),
    ...(change.migrations.length ? ["", "**Answers file migrated:**", ...change.migrations.map((m) => `- ${m.text}`)] : []),
    ...(change.paramsGained.length
      ? [
          "",
          "**New parameters, at their defaults** (change them with `update --set`):",
          ...fitItems(change.paramsGained.map((p) => `- ${codeSpan(clip(p.path, CELL))}: ${codeSpan(clip(show(p.value), CELL))}`), SHARE.parameters, (left) => `- … and ${left} more: see \`${defaults.answersFile}\` in the diff`),
        ]
      : []),
    "",
    rows.length ? `| parameter | from | to |\n|---|---|---|\n${rows.join("\n")}` : "No parameter changes (re-render).",
    "",
    ...keptLines(change.kept),
    ...(change.conflicts.length
      ? [
          "### ⚠️ Conflicts",
          "These files were changed both by your team and by the new render; they are committed with conflict markers (`<<<<<<< yours` … `>>>>>>> generated now`) to resolve on this branch before merging:",
          ...fitItems(
            change.conflicts.map((c) => `- ${codeSpan(clip(c.path, CELL))}: ${c.reason}`),
            SHARE.conflicts,
            (left) => `- … and ${left} more (search the diff for \`<<<<<<< yours\`)`,
          ),
          "",
        ]
      : []),
    "### What changes",
    fencedBlock(summaryLines.join("\n")),
    "",
    `### Validation\n${valid ? "✅ valid" : "❌ invalid"}: ${summary.resources} resources and ${summary.checks.total} GitOps/Terraform checks, ${summary.invalid + summary.checks.invalid} invalid, ${summary.errors + summary.checks.errors} errors.`,
    "",
  ].join("\n");
  return head + diffSection(planDiff(change), maxLength - head.length, options);
}

/** The values the cluster keeps over its environment's, one line each, as `plan` lists them; none outside a fleet. */
function keptLines(kept: KeptOverEnvironment | undefined): string[] {
  if (!kept) return [];
  const { cluster, environment, values } = kept;
  return [
    `**Values ${codeSpan(cluster)} keeps over ${codeSpan(environment)}'s** (${codeSpan("addons.<name>.values")} of its answers file; ${codeSpan(environment)}'s values apply to every other key):`,
    "",
    ...fitItems(
      values.map((k) => `- ${codeSpan(k.addon)}: ${codeSpan(clip(k.path, CELL))}: ${codeSpan(clip(show(k.cluster), CELL))} (${codeSpan(environment)}: ${codeSpan(clip(show(k.environment), CELL))})`),
      SHARE.parameters,
      (left) => `- … and ${left} more: see the answers file's ${codeSpan("addons")}`,
    ),
    "",
  ];
}

/** The folded diff in at most `budget` characters: whole, or cut at a line with a note on seeing it whole. */
function diffSection(diff: string, budget: number, options: PullRequestBodyOptions): string {
  const folded = (...parts: string[]) => ["<details><summary>Diff</summary>", "", ...parts, "", "</details>"].join("\n");
  const text = diff.trimEnd();
  const whole = folded(fencedBlock(text, "diff"));
  if (whole.length <= budget) return whole;
  const lines = text.split("\n");
  const where = options.base && options.head ? `run ${codeSpan(`git fetch origin && git diff origin/${options.base}...origin/${options.head}`)} in the repository, or see the Files tab` : "see the Files tab";
  const note = (shown: number) =>
    shown === 0
      ? `**The diff is too long to show here** (${lines.length} lines): ${where}.`
      : `**The diff is cut after ${shown} of its ${lines.length} lines** (GitHub takes at most ${MAX_PULL_REQUEST_BODY.toLocaleString("en-US")} characters in a pull request's body): to see it whole, ${where}.`;
  // What the section costs besides the lines shown; a cut text's fence is never longer than the whole text's.
  const overhead = folded(fencedBlock(text, "diff").replace(text, ""), "", note(lines.length)).length;
  let shown = 0;
  let used = 0;
  while (shown < lines.length && overhead + used + lines[shown]!.length + 1 <= budget) used += lines[shown++]!.length + 1;
  return shown === 0 ? folded(note(0)) : folded(fencedBlock(lines.slice(0, shown).join("\n"), "diff"), "", note(shown));
}
