/**
 * The Flux release a repository pins, and its verdicts on Flux's apiVersions. A repository that installs Flux through
 * the Flux Operator names the release in its FluxInstance's `spec.distribution.version` (or in the flux-instance
 * chart's `instance.distribution.version`); its objects are applied to that release's API server, not to the one
 * the embedded schemas are of. So an apiVersion the pinned release serves is no "not served" error (and, without a
 * schema for it here, "not checked"), and one it does not serve is an error even where the embedded release has it.
 */
import { posix } from "node:path";
import { loadYamlDocument } from "../../yaml/load.js";
import { installsInstanceChart } from "../gitops/flux.js";
import { isObject, kustomizationIn, manifestsOfKind, resolveFrom, stringAt, type ContentReader, type Json, type Manifest, type RepoIndex } from "../gitops/repo-index.js";
import { embeddedSources } from "../kubernetes/embedded.js";
import { fluxMinorOf, fluxServedVersions, servedByFlux } from "../kubernetes/flux-releases.js";
import type { UnitResult } from "../types.js";

/** One place that pins a Flux release. */
export interface FluxPin {
  /** As written, e.g. "2.5.1" or "2.5.x". */
  version: string;
  /** The minor release it means, e.g. "2.5". */
  minor: string;
  file: string;
  line: number;
}

const UNSERVED_RULE = "k8s-unserved-version";

/**
 * Every Flux release pin of the repository that names one known minor release: FluxInstances, and HelmReleases of
 * the flux-instance chart by their inline values or a values file a configMapGenerator of their own folder's
 * kustomization feeds them (`valuesFrom` a ConfigMap). Left out: values in ConfigMaps written as objects, in Secrets
 * or in other folders' generators, Argo CD Applications of the chart, and `flux bootstrap` installs (their
 * components file is the release itself).
 */
export function fluxPins(index: RepoIndex, kustomizations: ReadonlyMap<string, Json>, read: ContentReader): FluxPin[] {
  const pins: FluxPin[] = [];
  const add = (version: unknown, file: string, line: number) => {
    const minor = typeof version === "string" ? fluxMinorOf(version) : undefined;
    if (minor) pins.push({ version: String(version), minor, file, line });
  };
  for (const manifest of manifestsOfKind(index, "FluxInstance")) {
    if (manifest.apiVersion.startsWith("fluxcd.controlplane.io/")) add(stringAt(manifest.object, "spec", "distribution", "version"), manifest.file, manifest.lineOf(["spec", "distribution", "version"]));
  }
  for (const manifest of manifestsOfKind(index, "HelmRelease")) {
    if (!manifest.apiVersion.startsWith("helm.toolkit.fluxcd.io/") || !installsInstanceChart(index, manifest)) continue;
    const at = ["spec", "values", "instance", "distribution", "version"];
    add(stringAt(manifest.object, ...at), manifest.file, manifest.lineOf(at));
    for (const file of generatedValuesFiles(index, kustomizations, manifest)) {
      const text = read(file);
      let values: unknown;
      try {
        values = text === undefined ? undefined : loadYamlDocument(text);
      } catch {
        continue; // the file's own validation reports what is wrong with it
      }
      const version = stringAt(values, "instance", "distribution", "version");
      if (version !== undefined) add(version, file, lineOfVersion(text ?? "", version));
    }
  }
  return pins;
}

/** The values files a HelmRelease reads through `valuesFrom` ConfigMaps its folder's kustomization generates. */
function generatedValuesFiles(index: RepoIndex, kustomizations: ReadonlyMap<string, Json>, release: Manifest): string[] {
  const spec = isObject(release.object.spec) ? release.object.spec : {};
  const from = Array.isArray(spec.valuesFrom) ? spec.valuesFrom.filter(isObject).filter((entry) => entry.kind === "ConfigMap") : [];
  if (from.length === 0) return [];
  const dir = posix.dirname(release.file) === "." ? "" : posix.dirname(release.file);
  const kustomizationFile = kustomizationIn(index, dir);
  const kustomization = kustomizationFile === undefined ? undefined : kustomizations.get(kustomizationFile);
  const generators = Array.isArray(kustomization?.configMapGenerator) ? kustomization.configMapGenerator.filter(isObject) : [];
  const files: string[] = [];
  for (const entry of from) {
    const key = typeof entry.valuesKey === "string" ? entry.valuesKey : "values.yaml";
    for (const generator of generators.filter((candidate) => candidate.name === entry.name)) {
      for (const item of Array.isArray(generator.files) ? generator.files : []) {
        if (typeof item !== "string") continue;
        const [itemKey, path] = item.includes("=") ? [item.slice(0, item.indexOf("=")), item.slice(item.indexOf("=") + 1)] : [posix.basename(item), item];
        const file = itemKey === key ? resolveFrom(dir, path) : undefined;
        if (file !== undefined && index.files.has(file)) files.push(file);
      }
    }
  }
  return files;
}

/** The line of `version: <version>` under `distribution:` in a values file (1 when not found: the message still names the file). */
function lineOfVersion(text: string, version: string): number {
  const lines = text.split("\n");
  const distribution = lines.findIndex((line) => /^\s*distribution:\s*$/.test(line));
  const found = lines.findIndex((line, position) => position > distribution && distribution >= 0 && new RegExp(`^\\s*version:\\s*["']?${version.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`).test(line));
  return found >= 0 ? found + 1 : 1;
}

/**
 * The results judged by the pinned Flux release where it differs from the embedded one. Pins of different releases
 * are reported as a warning and leave the embedded release in charge, as does a pin of the embedded minor release.
 */
export function judgeByPinnedFlux(results: UnitResult[], index: RepoIndex, pins: FluxPin[]): UnitResult[] {
  if (pins.length === 0) return results;
  const embedded = embeddedSources().flux ?? "";
  const minors = [...new Set(pins.map((pin) => pin.minor))];
  if (minors.length > 1) return results.concat(conflictUnit(pins, embedded));
  const pin = pins[0]!;
  if (embedded.replace(/^v/, "").startsWith(`${pin.minor}.`)) return results;
  const release = `Flux ${pin.version} (pinned in ${pin.file}:${pin.line})`;
  const byUnit = new Map<UnitResult, UnitResult>();
  for (const manifest of index.manifests) {
    const served = servedByFlux(pin.minor, manifest.apiVersion, manifest.kind);
    if (served === undefined) continue;
    for (const result of results) {
      if (result.file !== manifest.file || result.validator !== "kubernetes" || result.resource?.apiVersion !== manifest.apiVersion || result.resource.kind !== manifest.kind || (result.resource.name ?? "") !== manifest.name) continue;
      const unserved = result.problems.some((problem) => problem.rule === UNSERVED_RULE);
      if (served && unserved) {
        const notChecked = `${manifest.apiVersion} ${manifest.kind}: ${release} serves it; the embedded schemas are of Flux ${embedded}, which does not: not checked`;
        byUnit.set(result, { ...result, status: "skipped", problems: [], notChecked });
      } else if (!served) {
        byUnit.set(result, unservedUnit(result, manifest, pin.minor, release));
      }
    }
  }
  return byUnit.size === 0 ? results : results.map((result) => byUnit.get(result) ?? result);
}

/** The unit of an object whose apiVersion the pinned release does not serve: the API server refuses it. */
function unservedUnit(result: UnitResult, manifest: Manifest, minor: string, release: string): UnitResult {
  const { apiVersion, kind } = manifest;
  const use = fluxServedVersions(minor, apiVersion.slice(0, apiVersion.lastIndexOf("/")), kind).join(" or ");
  const message = use
    ? `${apiVersion} ${kind} is not served by ${release}, whose CRD serves ${kind} as ${use}: the API server refuses it; change apiVersion to ${use} (and the fields that version renamed)`
    : `${apiVersion} ${kind} is not served by ${release}, which has no ${kind} CRD: the API server refuses it; pin a Flux release that serves it`;
  const { notChecked: _dropped, ...rest } = result;
  const problem = { file: manifest.file, line: manifest.lineOf(["apiVersion"]), rule: UNSERVED_RULE, message, severity: "error" as const, ...(result.label ? { resource: result.label } : {}) };
  return { ...rest, status: "error", problems: [problem] };
}

/** A warning that the repository pins several Flux releases: which, where, and that the embedded one is used. */
function conflictUnit(pins: FluxPin[], embedded: string): UnitResult {
  const where = pins.map((pin) => `${pin.version} (${pin.file}:${pin.line})`).join(", ");
  const message = `the repository pins different Flux releases: ${where}; Flux apiVersions are judged by the embedded Flux ${embedded}: pin one release`;
  const first = pins[0]!;
  return { file: first.file, line: first.line, validator: "gitops", status: "valid", problems: [{ file: first.file, line: first.line, rule: "flux-release-pins", message, severity: "warning" }] };
}
