/**
 * What merging a change does in the cluster, beyond the files: the GitOps engine that runs there applies the merge
 * as it finds it, so a change that moves or removes its own wiring makes it prune (delete) what it applied. Like
 * Terraform's replacements, these go first in `plan`, `update` and the pull request body, with what to do before
 * and after the merge; the changes that cannot be merged safely as they are (an engine switch, a cluster rename with
 * the engine bootstrapped on the old path) are refused by `update` until `--confirm <kind>` says the steps before
 * the merge are done.
 *
 * Facts relied on (Flux 2.9, Argo CD 3.5):
 * - Flux: a Kustomization with `prune: true` deletes what it applied when it is deleted, unless it is suspended
 *   (kustomize-controller skips garbage collection for a suspended Kustomization); `flux uninstall` removes Flux's
 *   controllers and custom resources and keeps every object and Helm release they reconciled.
 * - Argo CD: an Application with `resources-finalizer.argocd.argoproj.io` deletes its resources when it is deleted;
 *   without the finalizer, deleting it leaves them (a non-cascading delete). An application whose source path is
 *   gone fails to generate manifests and syncs (and prunes) nothing.
 */
import { defaults, type GitopsEngine } from "../defaults.js";
import type { ChangeSummary } from "./summary.js";

/** A change `update` refuses until the steps before the merge are done and `--confirm <kind>` says so. */
export type ConfirmKind = "engine-switch" | "cluster-rename";
export const confirmKinds: ConfirmKind[] = ["engine-switch", "cluster-rename"];

export interface Consequence {
  kind: ConfirmKind | "prune";
  /** What the merge does in the cluster. */
  what: string;
  /** Commands and steps before merging, in order. */
  before: string[];
  /** After merging, in order. */
  after: string[];
  /** Refused by `update` without `--confirm <confirm>`. */
  confirm?: ConfirmKind;
}

export interface ConsequenceInput {
  engine: { from: GitopsEngine; to: GitopsEngine };
  cluster: { from: string; to: string };
  /** Flux: the cluster runs a bootstrap of clusters/<from>/ (the repository holds flux bootstrap's files). */
  fluxBootstrapped: boolean;
  summary: ChangeSummary;
}

const day1 = (engine: GitopsEngine) => `README.md, "Day 1", step 3 (Bootstrap ${engine === "flux" ? "Flux" : "Argo CD"})`;

function fluxToArgo(cluster: string): Consequence {
  return {
    kind: "engine-switch",
    confirm: "engine-switch",
    what:
      `Flux, still running in the cluster, applies this merge first: clusters/${cluster}/apps.yaml and infrastructure.yaml are gone, so its flux-system ` +
      "Kustomization deletes the Kustomizations apps and infrastructure, and with prune: true they delete every object they applied " +
      "(workloads, namespaces, Helm releases), before Argo CD exists.",
    before: [
      "flux suspend kustomization --all -n flux-system   # suspended, Flux applies and deletes nothing, and a deleted suspended Kustomization leaves its objects",
    ],
    after: [
      "flux uninstall --silent   # removes Flux's controllers and custom resources, keeps every object and Helm release they applied",
      `Install Argo CD and apply the root application as ${day1("argo")} says: Argo CD takes over the objects already there (same names) instead of recreating them`,
      "Once the Applications are Healthy, remove the Helm release records Flux left (Secrets labelled owner=helm in each release's namespace): Argo CD does not use them",
    ],
  };
}

function argoToFlux(cluster: string): Consequence {
  const root = `${cluster}-root`;
  return {
    kind: "engine-switch",
    confirm: "engine-switch",
    what:
      `Argo CD, still running in the cluster, applies this merge first: clusters/${cluster}/argocd/ is gone, so the root application ${root} prunes ` +
      "the Applications it managed, and their resources-finalizer deletes every object they deployed, before Flux is bootstrapped.",
    before: [
      `kubectl -n ${defaults.argoNamespace} patch application ${root} --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'   # the root application stops syncing`,
      `kubectl -n ${defaults.argoNamespace} get applications -o name | xargs -I{} kubectl -n ${defaults.argoNamespace} patch {} --type merge -p '{"metadata":{"finalizers":null}}'   # deleting an Application then leaves its objects`,
    ],
    after: [
      `Bootstrap Flux as ${day1("flux")} says: Flux takes over the objects already there (same names)`,
      `kubectl -n ${defaults.argoNamespace} delete applications --all && kubectl -n ${defaults.argoNamespace} delete appproject ${cluster}   # without finalizers: the objects stay`,
      `Uninstall Argo CD (kubectl delete -n ${defaults.argoNamespace} -f the install.yaml of the version installed, then the namespace)`,
    ],
  };
}

function fluxRename(from: string, to: string): Consequence {
  return {
    kind: "cluster-rename",
    confirm: "cluster-rename",
    what:
      `clusters/${from}/ moves to clusters/${to}/, but the cluster's flux-system Kustomization still reconciles ./clusters/${from} (flux bootstrap set that path): ` +
      `after the merge it finds only flux-system/ there, deletes the Kustomizations apps and infrastructure and, with prune: true, every object they applied. ` +
      `Nothing reconciles clusters/${to}/ until Flux is bootstrapped with that path.`,
    before: [`flux suspend kustomization flux-system -n flux-system   # it stops applying ./clusters/${from}, and deletes nothing`],
    after: [
      `Run flux bootstrap again as ${day1("flux")} says, with --path=clusters/${to}: it commits clusters/${to}/flux-system/ and points flux-system at it`,
      `flux resume kustomization flux-system -n flux-system   # it applies clusters/${to}/, whose Kustomizations have the same names: nothing is deleted`,
      `Remove clusters/${from}/flux-system/ (flux bootstrap's files for the old path) in a pull request`,
    ],
  };
}

function argoRename(from: string, to: string): Consequence {
  const ns = defaults.argoNamespace;
  return {
    kind: "cluster-rename",
    confirm: "cluster-rename",
    what:
      `clusters/${from}/argocd/ moves to clusters/${to}/argocd/, and the project and root application are renamed (${to}, ${to}-root). The cluster's root ` +
      `application ${from}-root still follows clusters/${from}/argocd: after the merge it stops syncing (its path is gone), and nothing applies ` +
      `clusters/${to}/argocd/ until its root application is applied. Deleting ${from}-root with its finalizer would delete the child Applications and every object they deployed.`,
    before: [`kubectl -n ${ns} patch application ${from}-root --type merge -p '{"metadata":{"finalizers":null},"spec":{"syncPolicy":{"automated":null}}}'   # deleting it later leaves what it managed`],
    after: [
      `kubectl apply -f clusters/${to}/argocd/argocd-cm.yaml -f clusters/${to}/argocd/project.yaml -f clusters/${to}/argocd/root.yaml   # the new root takes over the same Applications`,
      `kubectl -n ${ns} delete application ${from}-root && kubectl -n ${ns} delete appproject ${from}   # once every Application shows project ${to}`,
    ],
  };
}

/** Objects under apps/ or infrastructure/ the change removes: the engine deletes them (prune: true). */
function pruned(engine: GitopsEngine, summary: ChangeSummary): Consequence | undefined {
  const removed = summary.kubernetes.removed;
  if (removed.length === 0) return undefined;
  const namespaces = removed.filter((key) => key.startsWith("Namespace "));
  const releases = removed.filter((key) => key.startsWith("HelmRelease "));
  return {
    kind: "prune",
    what:
      `${engine === "flux" ? "Flux" : "Argo CD"} deletes what the change removes from Git (prune: true): ${removed.join(", ")}.` +
      (namespaces.length ? ` Deleting a Namespace deletes everything in it, what was not applied from Git included (${namespaces.join(", ")}).` : "") +
      (releases.length ? " A deleted HelmRelease uninstalls its Helm release." : "") +
      (engine === "argo" && removed.some((key) => key.startsWith("Application ")) ? " A deleted Application deletes what it deployed (resources-finalizer)." : ""),
    before: [],
    after: [],
  };
}

/**
 * The consequences of merging a change. An engine switch or a rename moves the engine's own wiring: that is the one
 * consequence then (the objects under apps/ and infrastructure/ stay as they are); otherwise, what is pruned.
 */
export function clusterConsequences(input: ConsequenceInput): Consequence[] {
  const { engine, cluster } = input;
  // A repository without flux bootstrap's files may still have Flux running (bootstrapped from a branch not merged
  // yet, or installed by hand): the consequence stands, said as a condition.
  const ifRunning = (c: Consequence): Consequence =>
    engine.from === "flux" && !input.fluxBootstrapped
      ? { ...c, what: `If Flux already runs in the cluster (this repository has no clusters/${cluster.from}/flux-system/${"gotk-components.yaml"} from flux bootstrap yet): ${c.what}` }
      : c;
  if (engine.from !== engine.to) return [ifRunning(engine.from === "flux" ? fluxToArgo(cluster.from) : argoToFlux(cluster.from))];
  if (cluster.from !== cluster.to) return [ifRunning(engine.from === "argo" ? argoRename(cluster.from, cluster.to) : fluxRename(cluster.from, cluster.to))];
  const prune = pruned(engine.from, input.summary);
  return prune ? [prune] : [];
}

/** Plain text for the terminal: each consequence with its steps, under a warning line. */
export function formatConsequences(consequences: Consequence[]): string {
  if (consequences.length === 0) return "";
  return consequences
    .map((c) => {
      const steps = (title: string, list: string[]) => (list.length ? `  ${title}:\n${list.map((step, i) => `    ${i + 1}. ${step}`).join("\n")}\n` : "");
      return `WARNING: in the cluster: ${c.what}\n${steps("Before merging", c.before)}${steps("After merging", c.after)}`;
    })
    .join("");
}

/** The pull request's version: a GitHub caution alert with the steps as checklists. */
export function consequencesMarkdown(consequences: Consequence[]): string {
  if (consequences.length === 0) return "";
  const lines = ["> [!CAUTION]", "> **What merging this does in the cluster**", ">"];
  for (const c of consequences) {
    lines.push(`> ${c.what}`);
    if (c.before.length) lines.push(">", "> Before merging:", ...c.before.map((step) => `> - [ ] \`${step.replace(/`/g, "'")}\``));
    if (c.after.length) lines.push(">", "> After merging:", ...c.after.map((step) => `> - [ ] ${step.includes("   # ") || /^(flux|kubectl) /.test(step) ? `\`${step.replace(/`/g, "'")}\`` : step}`));
    lines.push(">");
  }
  return lines.slice(0, -1).join("\n");
}
