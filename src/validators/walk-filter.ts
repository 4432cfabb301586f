/**
 * What a folder walk leaves out, and why: files that are not Kubernetes manifests although they are YAML. A
 * repository root holds Helm charts (rendered by Helm, their templates are not YAML until then), Helm values,
 * Docker Compose and Ansible files, kustomize plugin configurations and the like; validating them as manifests
 * gives misleading errors. Each left-out file (a chart: its folder) becomes a skipped unit that names the reason,
 * so the summary says what was not validated. A file named on the command line is always validated.
 *
 * Written here: no library classifies YAML files by the tool that reads them.
 */
import { FLEET_DIR, isToolOrTerraformPath } from "../fleet/layout.js";
import { posix } from "node:path";
import type { Document } from "yaml";
import { loadYamlLibrary } from "../yaml/library.js";
import { loadYamlStream } from "../yaml/load.js";
import { isManifestFile } from "./candidates.js";
import { KUSTOMIZATION_FILE_NAMES } from "./gitops/repo-index.js";
import { servedAlternatives } from "./kubernetes/embedded.js";
import type { UnitResult } from "./types.js";

export const REASON_CHART = "Helm chart (Chart.yaml): rendered by Helm, not validated as manifests";
export const REASON_VALUES = "Helm values file, not a manifest";
export const REASON_COMPOSE = "Docker Compose file, not a manifest";
export const REASON_ANSIBLE = "Ansible file, not a manifest";
export const REASON_TEMPLATE = "template (Go/Helm syntax): not YAML until a generator renders it";
export const REASON_HELM_INDEX = "Helm repository index (entries of charts), read by Helm, not a manifest";
export const REASON_JINJA = "template (Jinja syntax, as Ansible and Salt write): not YAML until a generator renders it";
export const REASON_APIVERSION_NOT_TEXT = "apiVersion is not text (Grafana provisioning and other tools number their files' versions): not a Kubernetes manifest";
export const REASON_KUSTOMIZATION = "kustomization without apiVersion/kind (kustomize accepts it): its references are checked, not its schema";
export const REASON_NOT_KUBERNETES = "no document with apiVersion or kind: not a Kubernetes manifest";
export const REASON_TALOS = "Talos machine configuration (v1alpha1, no API group): read by Talos, not a Kubernetes manifest";
export const REASON_JSON_CONFIGURATION = "JSON that no JSON reader takes (comments, trailing commas: a tool's configuration such as tsconfig.json or cspell.json) and without an \"apiVersion\" or \"kind\" key: not a Kubernetes manifest";
export const REASON_NO_API_GROUP = "apiVersion without an API group (only v1 has none in Kubernetes): not a Kubernetes manifest";
/** The reason for an apiVersion whose group is a word (`skaffold/v3`), naming it. */
const reasonDotlessGroup = (group: string) => `apiVersion group "${group}" is no domain, which no API server serves (custom groups need a dot; Kubernetes' own are apps, autoscaling, batch, extensions, policy): a tool's file format, not a Kubernetes manifest`;
/** The reason for YAML with application tags, naming them. */
export const reasonApplicationTags = (tags: string[]) => `YAML with application tags (${tags.join(", ")}): an application's configuration, not a Kubernetes manifest`;
export const REASON_KUSTOMIZE_PLUGIN = "kustomize generator/transformer configuration, read by kustomize, not applied";
export const REASON_ARGO_PLUGIN = "Argo CD config management plugin, read by the repo server, not applied";
const REASON_KSM_CONFIGURATION = "kube-state-metrics custom resource state configuration (kind CustomResourceStateMetrics, no apiVersion), read by kube-state-metrics from a file, not applied";

const ANSIBLE_DIRS = new Set(["group_vars", "host_vars"]);
const ANSIBLE_ROLE_DIRS = new Set(["tasks", "handlers", "defaults", "vars", "meta"]);
/** Helm values by name: `values.yaml`, `values-prod.yaml`, `values.prod.yaml` (the README promises to skip them). */
const VALUES_FILE = /^values([._-][^/]*)?\.ya?ml$/i;
/** Also values when nothing in them is a Kubernetes object: `prod-values.yaml` may as well be a ConfigMap. */
const VALUES_NAME = /^(values([._-][^/]*)?|[^/]*[._-]values)\.ya?ml$/i;
const COMPOSE_NAME = /^(docker-)?compose([._-][^/]*)?\.ya?ml$/i;

/** A path with a segment that starts with a dot (`.archive/app.yaml`, `.sops.yaml`): the walk leaves it out. */
export function inDotFolder(path: string): boolean {
  return path.split("/").some((segment) => segment.startsWith("."));
}

/**
 * Leaves out of a walk the files a kustomization's configMapGenerator or secretGenerator reads as data (`data`: file
 * -> kustomization), with one unit each: the file is a key's value (a controller's own configuration, a script),
 * never an object anything applies, so neither "no schema" nor a schema error is about it. A file that is also a
 * patch stays validated as one; one a Flux Kustomization applies is validated later whatever its name.
 */
export function leaveOutGeneratorData(walk: { leftOutPaths: Set<string>; leftOut: UnitResult[] }, data: ReadonlyMap<string, string>, patches: ReadonlyMap<string, unknown>): void {
  leaveOutFiles(walk, data.keys(), REASON_GENERATOR_DATA, patches);
}

/**
 * Leaves files out of a walk before validation, one unit each with the reason; a file a kustomization reads as a
 * patch stays validated as one (one a Flux Kustomization applies is validated later whatever its name).
 */
export function leaveOutFiles(walk: { leftOutPaths: Set<string>; leftOut: UnitResult[] }, paths: Iterable<string>, reason: string, patches: ReadonlyMap<string, unknown>): void {
  for (const path of paths) {
    if (walk.leftOutPaths.has(path) || patches.has(path)) continue;
    walk.leftOutPaths.add(path);
    walk.leftOut.push(leftOut(path, reason));
  }
}

const REASON_GENERATOR_DATA = "data a kustomization's configMapGenerator or secretGenerator reads into a ConfigMap or Secret: a key's value, never applied as an object, not a manifest";

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
  const walked = paths.filter((path) => isManifestFile(path) && !inDotFolder(path) && !path.split("/").includes("node_modules") && !(path.startsWith("terraform/") || (path.startsWith(FLEET_DIR) && isToolOrTerraformPath(path))));
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

/** The `yaml` library, loaded only when a walked file may be no manifest (it is 0.26 MB of a small run's start-up). */
type YamlLibrary = typeof import("yaml");

/** Rules that say a walked document is no Kubernetes object at all (rather than a broken one), given what it holds. */
const NOT_A_MANIFEST_RULES = new Set(["k8s-missing-kind", "k8s-missing-apiversion", "k8s-missing-schema"]);
/** Go template actions that make a file unparseable as YAML until rendered. */
const TEMPLATE_ACTION = /\{\{-?\s*(if|else|end|range|with|define|template|include|toYaml|tpl|\.Values|\.Release|\.Chart|\$)\b/;
/** Jinja statements (Ansible's role templates, Salt states), which no YAML reader takes until rendered. */
const JINJA_STATEMENT = /\{%-?\s*(for|endfor|if|elif|else|endif|set|macro|endmacro|include|import|from|block|endblock|raw|endraw|call|endcall|filter|endfilter)\b/;
/** js-yaml's message for a tag it has no type for (`!env_var`, `!include`, `!Ref`), written `!<!env_var>`. */
const UNKNOWN_TAG = /^YAML syntax error: unknown tag !<([^>]*)>/;

/**
 * Kubernetes' own API groups without a dot. Every other group an API server serves is a domain: the API server
 * refuses a CustomResourceDefinition whose group has no dot ("should be a domain with at least one dot",
 * apiextensions-apiserver's CRD validation), so `skaffold/v3` names a tool's file format, never an API.
 */
const DOTLESS_KUBERNETES_GROUPS = new Set(["apps", "autoscaling", "batch", "extensions", "policy"]);

/** The API group of a `group/version` apiVersion; undefined for `v1` or one without a group. */
function groupOf(apiVersion: string): string | undefined {
  const slash = apiVersion.lastIndexOf("/");
  return slash > 0 ? apiVersion.slice(0, slash) : undefined;
}

/**
 * Whether an apiVersion can name a Kubernetes API: `v1` (the core group, the only one without a name) or
 * `group/version` whose group is a domain or one of Kubernetes' own. Talos (`v1alpha1`) versions its YAML without
 * a group, Skaffold (`skaffold/v4beta11`) with a word no API server can serve.
 */
export function isKubernetesApiVersion(apiVersion: string | undefined): boolean {
  if (apiVersion === undefined || apiVersion === "v1") return true;
  const group = groupOf(apiVersion);
  return group !== undefined && (group.includes(".") || DOTLESS_KUBERNETES_GROUPS.has(group));
}

/**
 * Whether a document may be a Kubernetes object: an apiVersion an API server can serve, or one of Kubernetes' own
 * kinds under a misspelt group (`app/v1` Deployment), a mistake to report rather than another tool's file.
 */
function mayBeKubernetes(apiVersion: string | undefined, kind: string | undefined): boolean {
  if (isKubernetesApiVersion(apiVersion)) return true;
  return apiVersion !== undefined && kind !== undefined && groupOf(apiVersion) !== undefined && servedAlternatives(apiVersion, kind).otherGroups.length > 0;
}

/** Why a file whose apiVersions name no API is left out: a Talos configuration or a tool's own format. */
function reasonWithoutApi(contents: unknown[], apiVersions: (string | undefined)[]): string {
  if (isTalos(contents)) return REASON_TALOS;
  const group = apiVersions.map((apiVersion) => (apiVersion === undefined ? undefined : groupOf(apiVersion))).find((found) => found !== undefined);
  return group === undefined ? REASON_NO_API_GROUP : reasonDotlessGroup(group);
}

/**
 * After validation: a walked file whose every result says it holds no Kubernetes object (no apiVersion and no kind
 * in any document, only apiVersions without an API group, or application YAML tags), or that does not parse because
 * of template actions, is left out with the reason its content gives. A file with one Kubernetes document keeps all
 * its errors: it is a manifest with a mistake.
 */
export function reasonByContent(path: string, results: UnitResult[], text: string | undefined, yaml: YamlLibrary): string | undefined {
  if (text === undefined || results.length === 0) return undefined;
  const failed = results.filter((result) => result.status === "error" && result.problems.length > 0);
  const rules = new Set(failed.flatMap((result) => result.problems.map((problem) => problem.rule)));
  if (failed.length === results.length && [...rules].every((rule) => rule === "k8s-yaml-syntax")) {
    if (TEMPLATE_ACTION.test(text)) return REASON_TEMPLATE;
    if (JINJA_STATEMENT.test(text)) return REASON_JINJA;
    // JSON writes every key in quotes: a Kubernetes object in JSON spells "apiVersion" and "kind". Without either,
    // a .json file that does not parse is a tool's JSON-with-comments (kustomize patches are never left out).
    if (/\.json$/i.test(path) && !/"(apiVersion|kind)"\s*:/.test(text)) return REASON_JSON_CONFIGURATION;
    if (!failed.every((result) => result.problems.every((problem) => UNKNOWN_TAG.test(problem.message)))) return undefined;
    const documents = parseLoosely(yaml, text);
    if (!documents || documents.some((document) => holdsKubernetesObject(yaml, document))) return undefined;
    return reasonApplicationTags(applicationTags(yaml, documents));
  }
  // Every document is an error that says "no Kubernetes object", or (with --ignore-missing-schemas) skipped for
  // want of a schema, and none has an apiVersion Kubernetes could serve.
  const groupless = results.filter((result) => !mayBeKubernetes(result.resource?.apiVersion, result.resource?.kind));
  const unchecked = results.every((result) => (result.status === "error" && result.problems.length > 0) || (result.status === "skipped" && !result.notChecked && groupless.includes(result)));
  if (!unchecked || ![...rules].every((rule) => NOT_A_MANIFEST_RULES.has(rule))) return undefined;
  // Every document read (the failures are about content, not syntax): the manifests' own reader gives the data again
  // in a fraction of what the `yaml` library's composer costs, which matters where thousands of large recordings or
  // fixtures are walked. A document it cannot read (a limit) keeps the file's errors.
  const documents = loadYamlStream(text, { schema: "kubernetes", uniqueKeys: false });
  if (documents.some((document) => document.failure)) return undefined;
  const contents = documents.map((document) => document.data);
  // Kubernetes writes apiVersion as text; a number (`apiVersion: 1`) is another tool's file format version.
  const textual = (node: unknown) => !isMapping(node) || !Object.hasOwn(node, "apiVersion") || typeof node.apiVersion === "string";
  const name = posix.basename(path);
  // kustomize reads its file with `kind: Kustomization` (or Component) and no apiVersion, as it reads one with neither.
  const kustomizeOwn = (node: unknown) => isMapping(node) && !Object.hasOwn(node, "apiVersion") && ["Kustomization", "Component"].includes(scalarText(node.kind) ?? "");
  if (KUSTOMIZATION_FILE_NAMES.includes(name) && contents.length > 0 && contents.every(kustomizeOwn)) return REASON_KUSTOMIZATION;
  // A Helm repository's index (`helm repo index`): apiVersion v1, entries and generated, no kind.
  const helmIndex = (node: unknown) => isMapping(node) && !Object.hasOwn(node, "kind") && Object.hasOwn(node, "entries") && !Object.hasOwn(node, "metadata");
  if (contents.length > 0 && contents.every(helmIndex)) return REASON_HELM_INDEX;
  // kube-state-metrics reads `kind: CustomResourceStateMetrics` without an apiVersion (its --custom-resource-state-config-file).
  const ksmOwn = (node: unknown) => isMapping(node) && !Object.hasOwn(node, "apiVersion") && node.kind === "CustomResourceStateMetrics";
  if (contents.length > 0 && contents.every(ksmOwn)) return REASON_KSM_CONFIGURATION;
  const kubernetes = (node: unknown) => isMapping(node) && (Object.hasOwn(node, "apiVersion") || Object.hasOwn(node, "kind")) && textual(node) && mayBeKubernetes(scalarText(node.apiVersion), scalarText(node.kind));
  if (contents.some(kubernetes)) return undefined;
  if (!contents.every(textual)) return REASON_APIVERSION_NOT_TEXT;
  if (groupless.length > 0) return reasonWithoutApi(contents, groupless.map((result) => result.resource?.apiVersion));
  if (KUSTOMIZATION_FILE_NAMES.includes(name)) return REASON_KUSTOMIZATION;
  if (VALUES_NAME.test(name)) return REASON_VALUES;
  if (contents.some((node) => isMapping(node) && Object.hasOwn(node, "services") && !Object.hasOwn(node, "metadata"))) return REASON_COMPOSE;
  const plays = contents.some((node) => Array.isArray(node) && node.some((item) => isMapping(item) && ["hosts", "import_playbook", "tasks", "roles"].some((key) => Object.hasOwn(item, key))));
  if (plays) return REASON_ANSIBLE;
  return REASON_NOT_KUBERNETES;
}

/** A YAML mapping as the manifests' reader gives it. */
function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The file's documents as the `yaml` library reads them (unknown tags become plain values); undefined if it cannot. */
function parseLoosely(yaml: YamlLibrary, text: string): Document.Parsed[] | undefined {
  try {
    const documents = yaml.parseAllDocuments(text, { uniqueKeys: false });
    return Array.isArray(documents) ? (documents as Document.Parsed[]) : undefined;
  } catch {
    return undefined;
  }
}

function scalarText(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Whether a document names a Kubernetes object (apiVersion that Kubernetes could serve, and kind). */
function holdsKubernetesObject({ isMap }: YamlLibrary, document: Document.Parsed): boolean {
  const node = document.contents;
  return isMap(node) && node.has("apiVersion") && node.has("kind") && mayBeKubernetes(scalarText(node.get("apiVersion")), scalarText(node.get("kind")));
}

const YAML_TAG_PREFIX = "tag:yaml.org,2002:";
/**
 * The types of YAML's own tag namespace that manifests are read with (src/yaml/load.ts): any other (`!!set`,
 * `!!python/name:...`) is named with the application's tags, so that the reason never lists none.
 */
const YAML_TYPES = new Set(["str", "int", "float", "bool", "null", "map", "seq", "binary", "merge"]);

/** The local tags (`!env_var`, not YAML's own `!!str`) written in the documents, sorted. */
function applicationTags({ visit }: YamlLibrary, documents: Document.Parsed[]): string[] {
  const tags = new Set<string>();
  for (const document of documents) {
    visit(document, (_key, node) => {
      const tag = (node as { tag?: string } | null)?.tag; // a pair without a value (`? x`, a !!set entry) visits null
      if (typeof tag !== "string") return;
      if (tag.startsWith("!") && !tag.startsWith("!!")) tags.add(tag);
      // `!!python/name:...` (MkDocs) reads as a tag of YAML's namespace that is none of its types.
      const own = tag.startsWith(YAML_TAG_PREFIX) ? tag.slice(YAML_TAG_PREFIX.length) : undefined;
      if (own !== undefined && !YAML_TYPES.has(own)) tags.add(`!!${own}`);
    });
  }
  return [...tags].sort();
}

/**
 * A Talos machine configuration: the legacy document (`version: v1alpha1` with `machine` or `cluster`, no kind), or
 * documents of Talos's own `v1alpha1` kinds (HostnameConfig, KmsgLogConfig, ...).
 */
function isTalos(contents: unknown[]): boolean {
  return contents.some((node) => isMapping(node) && ((scalarText(node.version) === "v1alpha1" && (Object.hasOwn(node, "machine") || Object.hasOwn(node, "cluster"))) || (scalarText(node.apiVersion) === "v1alpha1" && /Config$/.test(scalarText(node.kind) ?? ""))));
}

/**
 * API groups of files a tool reads from disk and no API server serves: the components' own configuration
 * (`*.config.k8s.io`: KubeletConfiguration, KubeProxyConfiguration, ...), kubeadm's, the API server's audit policy and
 * admission configuration, local-cluster tools (kind, k3d, ctlptl, k0sctl), kuttl's TestSuite, TestStep and
 * TestAssert, which its harness reads from a test's files, and operator-sdk's scorecard Configuration (an operator
 * project's config/scorecard, which `operator-sdk scorecard` reads from a bundle).
 */
const TOOL_CONFIGURATION_GROUP = /^([a-z0-9-]+\.config\.k8s\.io|kubeadm\.k8s\.io|audit\.k8s\.io|apiserver\.k8s\.io|kind\.x-k8s\.io|k3d\.io|ctlptl\.dev|k0sctl\.k0sproject\.io|kuttl\.dev|scorecard\.operatorframework\.io)\//;

/** A document that is configuration for a tool of the repository, not an object to apply: why, or undefined. */
export function reasonByKind(result: UnitResult): string | undefined {
  const { apiVersion, kind } = result.resource ?? {};
  if (apiVersion === "builtin" || (apiVersion?.startsWith("builtin/") ?? false)) return REASON_KUSTOMIZE_PLUGIN;
  if (kind === "ConfigManagementPlugin" && apiVersion?.startsWith("argoproj.io/")) return REASON_ARGO_PLUGIN;
  // Only for want of a schema: with one (--schema-location), the file is validated as the user asked.
  // The problems first: most results have none, and this runs for every result of a repository.
  if (apiVersion && result.problems.length > 0 && result.problems.every((problem) => problem.rule === "k8s-missing-schema") && TOOL_CONFIGURATION_GROUP.test(apiVersion)) {
    return `${kind ?? "configuration"} of ${apiVersion.split("/")[0]}: a file its tool reads, never applied to a cluster, not a Kubernetes manifest`;
  }
  return undefined;
}

/**
 * In a folder walk, a file that turns out to hold no Kubernetes object (see reasonByContent) is left out with the
 * reason, instead of an error per document; a tool's configuration document is skipped with its reason.
 */
export async function leaveOutNonManifests(results: UnitResult[], read: (file: string) => string | undefined, patches: ReadonlyMap<string, unknown> = new Map()): Promise<UnitResult[]> {
  // Only a file whose every result is an error (or a document skipped for want of a schema) can be no manifest.
  const byFile = new Map<string, UnitResult[]>();
  const mixed = new Set<string>();
  for (const result of results) {
    if (result.validator !== "kubernetes") continue;
    // A tool's configuration document (kustomize's `apiVersion: builtin`) is skipped by its kind below instead.
    const candidate = (result.status === "error" || (result.status === "skipped" && !result.notChecked && !mayBeKubernetes(result.resource?.apiVersion, result.resource?.kind))) && reasonByKind(result) === undefined;
    if (!candidate) mixed.add(result.file);
    else if (byFile.has(result.file)) byFile.get(result.file)!.push(result);
    else byFile.set(result.file, [result]);
  }
  const reasons = new Map<string, string>();
  // A file a kustomization reads as a patch is part of an object whatever it holds: its errors stay.
  const candidates = [...byFile].filter(([file]) => !mixed.has(file) && !patches.has(file));
  const yaml = candidates.length > 0 ? await loadYamlLibrary() : undefined;
  for (const [file, failed] of candidates) {
    const reason = yaml && reasonByContent(file, failed, read(file), yaml);
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
