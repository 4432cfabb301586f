/**
 * What a folder walk leaves out, and why: files that are not Kubernetes manifests although they are YAML. A
 * repository root holds Helm charts (rendered by Helm, their templates are not YAML until then), Helm values,
 * Docker Compose and Ansible files, kustomize plugin configurations and the like; validating them as manifests
 * gives misleading errors. Each left-out file (a chart: its folder) becomes a skipped unit that names the reason,
 * so the summary says what was not validated. A file named on the command line is always validated.
 *
 * Written here: no library classifies YAML files by the tool that reads them.
 */
import { posix } from "node:path";
import { isMap, isSeq, parseAllDocuments } from "yaml";
import { isManifestFile } from "./candidates.js";
import { KUSTOMIZATION_FILE_NAMES } from "./gitops/repo-index.js";
import type { UnitResult } from "./types.js";

export const REASON_CHART = "Helm chart (Chart.yaml): rendered by Helm, not validated as manifests";
export const REASON_VALUES = "Helm values file, not a manifest";
export const REASON_COMPOSE = "Docker Compose file, not a manifest";
export const REASON_ANSIBLE = "Ansible file, not a manifest";
export const REASON_TEMPLATE = "template (Go/Helm syntax): not YAML until a generator renders it";
export const REASON_KUSTOMIZATION = "kustomization without apiVersion/kind (kustomize accepts it): its references are checked, not its schema";
export const REASON_NOT_KUBERNETES = "no document with apiVersion or kind: not a Kubernetes manifest";
export const REASON_KUSTOMIZE_PLUGIN = "kustomize generator/transformer configuration, read by kustomize, not applied";
export const REASON_ARGO_PLUGIN = "Argo CD config management plugin, read by the repo server, not applied";

const ANSIBLE_DIRS = new Set(["group_vars", "host_vars"]);
const ANSIBLE_ROLE_DIRS = new Set(["tasks", "handlers", "defaults", "vars", "meta"]);
/** Helm values by name: `values.yaml`, `values-prod.yaml`, `values.prod.yaml` (the README promises to skip them). */
const VALUES_FILE = /^values([._-][^/]*)?\.ya?ml$/i;
/** Also values when nothing in them is a Kubernetes object: `prod-values.yaml` may as well be a ConfigMap. */
const VALUES_NAME = /^(values([._-][^/]*)?|[^/]*[._-]values)\.ya?ml$/i;
const COMPOSE_NAME = /^(docker-)?compose([._-][^/]*)?\.ya?ml$/i;

/** A unit saying that `file` (a folder when it ends in `/`) was left out of the walk, and why. */
export function leftOut(file: string, reason: string): UnitResult {
  return { file, validator: "walk", status: "skipped", label: file, notChecked: reason, problems: [] };
}

/**
 * The walked paths (relative to the root, POSIX) left out by their place, with a unit for each: inside a Helm chart
 * (one unit per chart), Helm values, Docker Compose files, Ansible inventory variables and role folders. Paths the
 * walk never validates (dot-folders, node_modules, terraform/) are not reported.
 */
export function filterWalkedPaths(paths: string[]): { leftOutPaths: Set<string>; leftOut: UnitResult[] } {
  const walked = paths.filter((path) => isManifestFile(path) && !path.split("/").some((segment) => segment.startsWith(".") || segment === "node_modules") && !path.startsWith("terraform/"));
  const charts = walked.filter((path) => /^Chart\.ya?ml$/.test(posix.basename(path))).map((path) => posix.dirname(path));
  const inChart = (path: string) => charts.some((dir) => dir === "." || path.startsWith(`${dir}/`));
  const leftOutPaths = new Set<string>();
  const units: UnitResult[] = charts.map((dir) => leftOut(dir === "." ? "./" : `${dir}/`, REASON_CHART));
  for (const path of walked) {
    if (inChart(path)) {
      leftOutPaths.add(path);
      continue;
    }
    const reason = reasonByPath(path);
    if (!reason) continue;
    leftOutPaths.add(path);
    units.push(leftOut(path, reason));
  }
  return { leftOutPaths, leftOut: units };
}

function reasonByPath(path: string): string | undefined {
  const segments = path.split("/");
  const name = segments[segments.length - 1] ?? "";
  if (COMPOSE_NAME.test(name)) return REASON_COMPOSE;
  if (VALUES_FILE.test(name)) return REASON_VALUES;
  if (segments.slice(0, -1).some((segment) => ANSIBLE_DIRS.has(segment))) return REASON_ANSIBLE;
  const role = segments.indexOf("roles");
  if (role >= 0 && role + 2 < segments.length - 1 && ANSIBLE_ROLE_DIRS.has(segments[role + 2]!)) return REASON_ANSIBLE;
  return undefined;
}

/** Rules that say a walked file is no manifest at all (rather than a broken one), given what it holds. */
const NOT_A_MANIFEST_RULES = new Set(["k8s-missing-kind", "k8s-missing-apiversion"]);
/** Go template actions that make a file unparseable as YAML until rendered. */
const TEMPLATE_ACTION = /\{\{-?\s*(if|else|end|range|with|define|template|include|toYaml|tpl|\.Values|\.Release|\.Chart|\$)\b/;

/**
 * After validation: a walked file whose every result says it holds no Kubernetes object (no apiVersion and no
 * kind in any document), or that does not parse because of template actions, is left out with the reason its
 * content gives. A file with one Kubernetes document keeps all its errors: it is a manifest with a mistake.
 */
export function reasonByContent(path: string, results: UnitResult[], text: string | undefined): string | undefined {
  if (text === undefined || results.length === 0 || !results.every((result) => result.status === "error" && result.problems.length > 0)) return undefined;
  const rules = new Set(results.flatMap((result) => result.problems.map((problem) => problem.rule)));
  if ([...rules].every((rule) => rule === "k8s-yaml-syntax")) return TEMPLATE_ACTION.test(text) ? REASON_TEMPLATE : undefined;
  if (![...rules].every((rule) => NOT_A_MANIFEST_RULES.has(rule))) return undefined;
  let documents;
  try {
    documents = parseAllDocuments(text, { uniqueKeys: false });
  } catch {
    return undefined;
  }
  if (!Array.isArray(documents)) return undefined;
  const contents = documents.map((document) => document.contents).filter((node) => node !== null);
  if (contents.some((node) => isMap(node) && (node.has("apiVersion") || node.has("kind")))) return undefined;
  const name = posix.basename(path);
  if (KUSTOMIZATION_FILE_NAMES.includes(name)) return REASON_KUSTOMIZATION;
  if (VALUES_NAME.test(name)) return REASON_VALUES;
  if (contents.some((node) => isMap(node) && node.has("services") && !node.has("metadata"))) return REASON_COMPOSE;
  const plays = contents.some((node) => isSeq(node) && node.items.some((item) => isMap(item) && ["hosts", "import_playbook", "tasks", "roles"].some((key) => item.has(key))));
  if (plays) return REASON_ANSIBLE;
  return REASON_NOT_KUBERNETES;
}

/** A document that is configuration for a tool of the repository, not an object to apply: why, or undefined. */
export function reasonByKind(result: UnitResult): string | undefined {
  const { apiVersion, kind } = result.resource ?? {};
  if (apiVersion === "builtin" || (apiVersion?.startsWith("builtin/") ?? false)) return REASON_KUSTOMIZE_PLUGIN;
  if (kind === "ConfigManagementPlugin" && apiVersion?.startsWith("argoproj.io/")) return REASON_ARGO_PLUGIN;
  return undefined;
}

/**
 * In a folder walk, a file that turns out to hold no Kubernetes object (see reasonByContent) is left out with the
 * reason, instead of an error per document; a tool's configuration document is skipped with its reason.
 */
export function leaveOutNonManifests(results: UnitResult[], read: (file: string) => string | undefined): UnitResult[] {
  // Only a file whose every result is an error can be no manifest at all.
  const byFile = new Map<string, UnitResult[]>();
  const mixed = new Set<string>();
  for (const result of results) {
    if (result.status !== "error") mixed.add(result.file);
    else if (byFile.has(result.file)) byFile.get(result.file)!.push(result);
    else byFile.set(result.file, [result]);
  }
  const reasons = new Map<string, string>();
  for (const [file, failed] of byFile) {
    if (mixed.has(file)) continue;
    const reason = reasonByContent(file, failed, read(file));
    if (reason) reasons.set(file, reason);
  }
  const kept: UnitResult[] = [];
  const done = new Set<string>();
  for (const result of results) {
    const fileReason = reasons.get(result.file);
    if (fileReason) {
      if (!done.has(result.file)) kept.push(leftOut(result.file, fileReason));
      done.add(result.file);
      continue;
    }
    const kindReason = result.status === "skipped" ? undefined : reasonByKind(result);
    kept.push(kindReason ? { ...result, status: "skipped", problems: [], notChecked: kindReason } : result);
  }
  return kept;
}
