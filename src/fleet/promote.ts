/**
 * `promote <from-env> <to-env>`: proposes the platform state of one environment for the next, in one pull request:
 * the blueprint version (where the source environment runs this tool's version of the same blueprint), the add-on
 * switches and values (`addons`, for the add-ons each target's blueprint offers), and the parameters fleet.yaml
 * marks `promotable`. Each target cluster is planned as `update` plans it (3-way merge with the team's edits, its
 * own validation); the body opens with every Terraform replacement and destroy of all targets, then each cluster's
 * change with its diff. The add-on catalog version follows with the render (this tool ships one).
 */
import { defaults } from "../defaults.js";
import { InputError, ValidationFailedError } from "../errors.js";
import { sortedTree } from "../file-tree.js";
import { gitAt } from "../git/client.js";
import { currentBranch } from "../git/repo.js";
import { loadBlueprint } from "../blueprints/load.js";
import { ConflictError, UnconfirmedChangeError, changesOf, unconfirmed } from "../update/apply.js";
import { describePlan, pullRequestBody, terraformWarningMarkdown } from "../update/describe.js";
import { planUpdate, type Plan } from "../update/plan.js";
import { clipBody } from "../forge/body-limit.js";
import { readFleet, type FleetMember } from "./members.js";
import { targetReader } from "../git/read-target.js";
import { codeSpan } from "../markdown.js";
import { emptyOverlay, overlayAfterRender, overlayPathOf, parseOverlayFile, promoteOverlay, renderOverlayFile, type ChartVersions, type Overlay } from "./environment-overlay.js";
import { promotedAddons, sourceAddons, type Disagreement, type LeftOutAddon, type SourceAddons } from "./promoted-addons.js";
import { PRE_CATALOG_VERSION } from "../generator/answers.js";
import { clusterValuesPatches } from "../catalog/render.js";
import { keptValues } from "./values-layers.js";
import { fromProposalBase, proposeChange, type ProposeResult, type PullRequestTarget } from "./propose.js";

export interface PromotePlan {
  from: string;
  to: string;
  /** Target cluster -> its plan, and the source's add-on entries it cannot take (src/fleet/promoted-addons.ts). */
  plans: Array<{ member: FleetMember; plan: Plan; leftOut: LeftOutAddon[] }>;
  /** Add-ons the source's clusters disagree on (switch, settings or chart version): not promoted, anywhere. */
  notPromoted: Disagreement[];
  /** The source clusters' own add-on values: theirs, not promoted. */
  ownValues: SourceAddons["ownValues"];
  /** The target environment's overlay with the source's chart versions (absent where neither has a Flux cluster). */
  overlay?: { path: string; before: ChartVersions; after: ChartVersions; valuesBefore: Overlay["values"]; valuesAfter: Overlay["values"]; text: string; unchanged: boolean };
}

const GITHUB_BODY_LIMIT = 65_536;

const valueAt = (params: Record<string, unknown>, path: string): unknown => path.split(".").reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), params);

/** Sets a dotted path in `values`, copying the target's own object at its top key first (values replace top keys whole). */
function setAt(values: Record<string, unknown>, path: string, value: unknown, target: Record<string, unknown>): void {
  const keys = path.split(".");
  if (keys.length > 1 && !(keys[0]! in values) && target[keys[0]!] !== undefined) values[keys[0]!] = structuredClone(target[keys[0]!]);
  let node = values;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

/**
 * The one platform state of the source environment: every cluster there must agree on its blueprint's version and the
 * promotable parameters, or which one to follow would be a guess; add-ons are merged per add-on (sourceAddons), and
 * one the clusters disagree on is named and not promoted.
 * @throws InputError (exit 2) naming the disagreement
 */
function sourceState(members: FleetMember[], promotable: string[], env: string, overlay: Overlay) {
  const state = { params: new Map<string, unknown>(), blueprintVersions: new Map<string, string>() };
  for (const member of members) {
    const versionBefore = state.blueprintVersions.get(member.answers.blueprint);
    if (versionBefore !== undefined && versionBefore !== member.answers.blueprintVersion) {
      throw new InputError(`the clusters of ${env} run blueprint ${member.answers.blueprint} at different versions (${versionBefore}, ${member.answers.blueprintVersion}); bring them to one (update --all --env ${env}) before promoting. Nothing was written`);
    }
    state.blueprintVersions.set(member.answers.blueprint, member.answers.blueprintVersion);
    for (const path of promotable) {
      const value = valueAt(member.answers.params, path);
      if (value === undefined) continue;
      if (state.params.has(path) && JSON.stringify(state.params.get(path)) !== JSON.stringify(value)) {
        throw new InputError(`the clusters of ${env} differ in ${path}, which fleet.yaml marks promotable; make them agree before promoting. Nothing was written`);
      }
      state.params.set(path, value);
    }
  }
  // The chart version a cluster runs: its environment's (the overlay pins it for all), else its catalog's.
  const addons = sourceAddons(
    members.map((member) => ({
      name: member.name,
      addons: member.answers.params.addons as Record<string, unknown> | undefined,
      versionOf: (addon: string) => overlay.versions.get(addon) ?? `of add-on catalog ${member.answers.catalogVersion ?? PRE_CATALOG_VERSION}`,
    })),
  );
  return { ...state, ...addons };
}

export async function planPromotion(dir: string, from: string, to: string, options: { toolVersion?: string } = {}): Promise<PromotePlan> {
  const fleet = readFleet(dir);
  const environments = fleet.file?.environments ?? [];
  for (const env of [from, to]) {
    if (!environments.includes(env)) throw new InputError(`environment ${JSON.stringify(env)} is not one of this fleet's (${environments.join(", ") || "none: add a cluster first"}); nothing was written`);
  }
  if (environments.indexOf(to) <= environments.indexOf(from)) {
    throw new InputError(`${to} does not come after ${from} in fleet.yaml's environments (${environments.join(" -> ")}): promotion goes forward. Nothing was written`);
  }
  const staying = fleet.members.filter((member) => !member.removing);
  const sources = staying.filter((member) => member.environment === from);
  const targets = staying.filter((member) => member.environment === to);
  if (sources.length === 0) throw new InputError(`environment ${from} has no cluster to promote from; nothing was written`);
  if (targets.length === 0) throw new InputError(`environment ${to} has no cluster to promote to; nothing was written`);
  const read = await targetReader(dir);
  const sourceOverlayText = await read(overlayPathOf(from));
  const sourceOverlay = sourceOverlayText === undefined ? emptyOverlay() : parseOverlayFile(sourceOverlayText, overlayPathOf(from));
  const state = sourceState(sources, fleet.file!.promotable, from, sourceOverlay);
  const plans: PromotePlan["plans"] = [];
  for (const member of targets) {
    const blueprint = loadBlueprint(member.answers.blueprint);
    const values: Record<string, unknown> = {};
    // The promotable parameters first: they decide which add-ons the target can run (a GPU pool, a driver).
    for (const [path, value] of state.params) setAt(values, path, value, member.answers.params);
    const { addons, leftOut } = promotedAddons(state.addons, { ...member.answers.params, ...values, gitops: member.answers.gitops }, blueprint);
    if (Object.keys(state.addons ?? {}).length > 0) values.addons = addons;
    // A promotable path inside addons wins over the add-on entry it is part of, as it did before.
    for (const [path, value] of state.params) if (path.startsWith("addons.")) setAt(values, path, value, member.answers.params);
    // The source runs the version this tool ships: the target is upgraded with it (an older source version cannot be rendered by this release).
    const upgrade = state.blueprintVersions.get(member.answers.blueprint) === blueprint.version && member.answers.blueprintVersion !== blueprint.version;
    const plan = await planUpdate(dir, { values }, { root: member.root, ...(upgrade || Object.keys(values).length > 0 ? { blueprintVersion: "latest" } : {}), ...(options.toolVersion ? { toolVersion: options.toolVersion } : {}) });
    plans.push({ member, plan, leftOut });
  }
  // An add-on the source's clusters disagree on keeps the target's overlay entry too: nothing of it is promoted.
  const overlay = await promotedOverlay(dir, from, to, plans, new Set(state.disagreements.map(({ name }) => name)));
  // What each target keeps over its environment's values once they are the promoted ones.
  if (overlay) for (const { plan } of plans) plan.keptValues = keptValues(clusterValuesPatches(plan.rendered.context), overlay.valuesAfter);
  return { from, to, plans, notPromoted: state.disagreements, ownValues: state.ownValues, ...(overlay ? { overlay } : {}) };
}

/**
 * The target environment's overlay once promoted: as the repository has it, with the entries the targets' renders
 * add (their add-ons it lacked), then every add-on entry of the source environment's overlay, version and values. A
 * change of this one file is the promotion of chart versions and environment values (src/fleet/environment-overlay.ts).
 */
async function promotedOverlay(dir: string, from: string, to: string, plans: PromotePlan["plans"], held: ReadonlySet<string>): Promise<PromotePlan["overlay"]> {
  const read = await targetReader(dir);
  const [path, sourcePath] = [overlayPathOf(to), overlayPathOf(from)];
  const sourceText = await read(sourcePath);
  const currentText = await read(path);
  const rendered = plans.map(({ plan }) => plan.after.get(path)).filter((text): text is string => text !== undefined);
  if (sourceText === undefined && currentText === undefined && rendered.length === 0) return undefined;
  const current = currentText === undefined ? emptyOverlay() : parseOverlayFile(currentText, path);
  let target = current;
  for (const text of rendered) {
    const render = parseOverlayFile(text, path);
    target = { ...target, versions: overlayAfterRender(target.versions, render.versions, false), engines: new Set([...target.engines, ...render.engines]) };
  }
  const source = sourceText === undefined ? emptyOverlay() : parseOverlayFile(sourceText, sourcePath);
  const promoted = { ...source, versions: withoutNames(source.versions, held), values: withoutNames(source.values, held) };
  const after = promoteOverlay(target, promoted);
  const text = renderOverlayFile(to, after);
  return { path, before: current.versions, after: after.versions, valuesBefore: current.values, valuesAfter: after.values, text, unchanged: text === currentText };
}

const withoutNames = <T>(map: Map<string, T>, names: ReadonlySet<string>) => new Map([...map].filter(([name]) => !names.has(name)));

/** The chart versions the promotion changes in the target's overlay: add-on, version before (absent: new entry), after. */
export function overlayChanges(overlay: NonNullable<PromotePlan["overlay"]>): Array<{ name: string; from?: string; to: string }> {
  return [...overlay.after].filter(([name, version]) => overlay.before.get(name) !== version).map(([name, to]) => ({ name, ...(overlay.before.has(name) ? { from: overlay.before.get(name)! } : {}), to }));
}

/** The add-ons whose environment values the promotion sets, changes or removes, with the values after (absent: removed). */
export function overlayValuesChanges(overlay: NonNullable<PromotePlan["overlay"]>): Array<{ name: string; change: "set" | "changed" | "removed"; values?: Record<string, unknown> }> {
  const names = [...new Set([...overlay.valuesBefore.keys(), ...overlay.valuesAfter.keys()])].sort((a, b) => a.localeCompare(b));
  return names.flatMap((name) => {
    const [before, after] = [overlay.valuesBefore.get(name), overlay.valuesAfter.get(name)];
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    return [{ name, change: after === undefined ? ("removed" as const) : before === undefined ? ("set" as const) : ("changed" as const), ...(after !== undefined ? { values: after } : {}) }];
  });
}

/** Those changes in the pull request's body. */
function overlayLines(overlay: NonNullable<PromotePlan["overlay"]>): string[] {
  const changed = overlayChanges(overlay);
  const values = overlayValuesChanges(overlay);
  return [
    ...(changed.length === 0
      ? []
      : [`Chart versions in ${codeSpan(overlay.path)} (every cluster of the environment runs them):`, "", ...changed.map(({ name, from, to }) => `- ${codeSpan(name)}: ${from !== undefined ? `${codeSpan(from)} -> ` : ""}${codeSpan(to)}`), ""]),
    ...(values.length === 0
      ? []
      : [`Environment values in ${codeSpan(overlay.path)} (merged over each cluster's own):`, "", ...values.map(({ name, change, values }) => `- ${codeSpan(name)}: ${change}${values ? ` ${codeSpan(JSON.stringify(values))}` : ""}`), ""]),
  ];
}

/** The add-ons each target leaves out, one line each: in the body, after the replacements and destroys. */
export function leftOutLines(promotion: PromotePlan, code: (text: string) => string = codeSpan): string[] {
  const lines = promotion.plans.flatMap(({ member, leftOut }) => leftOut.map(({ name, reason }) => `- ${code(member.name)}: ${code(name)} left out (${reason})`));
  return lines.length === 0 ? [] : [`Add-ons of ${promotion.from} left out where they cannot run (the cluster keeps its own setting):`, "", ...lines, ""];
}

/** The add-ons of the source not promoted (its clusters disagree on them), one line each, with who says what. */
export function notPromotedLines(promotion: PromotePlan, code: (text: string) => string = codeSpan): string[] {
  const lines = promotion.notPromoted.map(
    ({ name, field, clusters }) => `- ${code(name)}: ${promotion.from}'s clusters disagree on its ${field} (${clusters.map(({ cluster, value }) => `${code(cluster)} ${code(JSON.stringify(value ?? null))}`).join(", ")})`,
  );
  return lines.length === 0 ? [] : [`Add-ons of ${promotion.from} not promoted (each cluster of ${promotion.to} keeps its own; make ${promotion.from}'s clusters agree to promote them):`, "", ...lines, ""];
}

/** The source clusters' own add-on values, which are theirs: named, so that nobody expects them in the target. */
export function ownValuesLines(promotion: PromotePlan, code: (text: string) => string = codeSpan): string[] {
  const lines = promotion.ownValues.map(({ cluster, addon, values }) => `- ${code(cluster)}: ${code(addon)} ${code(JSON.stringify(values))}`);
  return lines.length === 0
    ? []
    : [`The clusters of ${promotion.from} set values of their own (addons.<name>.values); own add-on values stay their own and are not promoted (${promotion.from}'s environment values are, above; each cluster of ${promotion.to} keeps its own):`, "", ...lines, ""];
}

export function promotionBody(promotion: PromotePlan): string {
  const warnings = promotion.plans.map(({ member, plan }) => ({ member, text: terraformWarningMarkdown(plan.summary.terraform) })).filter((w) => w.text);
  const head = [
    `Promotes the platform state of ${promotion.from} to ${promotion.to}: ${promotion.plans.length} cluster(s).`,
    "",
    // Replacements and destroys of every cluster first: what a reviewer must not miss.
    ...warnings.flatMap(({ member, text }) => [`**${member.name}**:`, "", text, ""]),
    ...notPromotedLines(promotion),
    ...leftOutLines(promotion),
    ...(promotion.overlay ? overlayLines(promotion.overlay) : []),
    ...ownValuesLines(promotion),
  ].join("\n");
  const share = Math.floor((GITHUB_BODY_LIMIT - head.length - 200) / Math.max(1, promotion.plans.length));
  const sections = promotion.plans.map(({ member, plan }) => `## ${member.name} (${member.root || "the first cluster"})\n\n${pullRequestBody(describePlan(plan), { maxLength: Math.max(1000, share - 100) })}`);
  return clipBody(`${head}\n${sections.join("\n")}`, GITHUB_BODY_LIMIT, "GitHub");
}

export async function promote(dir: string, from: string, to: string, options: { dryRun?: boolean; pr?: PullRequestTarget; toolVersion?: string } = {}): Promise<{ promotion: PromotePlan; proposal?: ProposeResult }> {
  return fromProposalBase(dir, "promote", async () => {
    const promotion = await planPromotion(dir, from, to, options);
    for (const { plan } of promotion.plans) {
      const needConfirm = unconfirmed(plan);
      if (needConfirm.length > 0) throw new UnconfirmedChangeError(plan, needConfirm);
      if (plan.conflicts.length > 0) throw new ConflictError(plan);
      if (!plan.introduced.valid) throw new ValidationFailedError(plan.introduced);
    }
    const writes = new Map<string, string>();
    const deletes: string[] = [];
    for (const { plan } of promotion.plans) {
      const changes = changesOf(plan);
      for (const [path, content] of changes.writes) writes.set(path, content);
      deletes.push(...changes.deletes);
    }
    // The promoted overlay replaces what each target's plan wrote there (their entries are in it).
    if (promotion.overlay?.unchanged) writes.delete(promotion.overlay.path);
    else if (promotion.overlay) writes.set(promotion.overlay.path, promotion.overlay.text);
    // Nothing left to promote once the add-ons the source's clusters disagree on are held back: that is the reason to give.
    if (writes.size === 0 && deletes.length === 0 && promotion.notPromoted.length > 0) {
      const names = promotion.notPromoted.map(({ name, field, clusters }) => `${name} (${field}: ${clusters.map(({ cluster, value }) => `${cluster} ${JSON.stringify(value ?? null)}`).join(", ")})`);
      throw new InputError(`nothing of ${from} can be promoted to ${to}: its clusters disagree on ${names.join("; ")}, and ${to} has the rest already; make them agree before promoting. Nothing was written`);
    }
    if (options.dryRun || (writes.size === 0 && deletes.length === 0)) return { promotion };
    const message = `Promote ${from} to ${to} (${promotion.plans.map(({ member }) => member.name).join(", ")})`;
    const proposal = await proposeChange(dir, { branch: `${defaults.branchPrefix}promote-${from}-to-${to}`, message, writes: sortedTree(writes), deletes, body: () => promotionBody(promotion) }, options.pr ? { pr: options.pr } : {});
    return { promotion, proposal };
  });
}
