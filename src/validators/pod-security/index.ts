/**
 * `validate --pod-security restricted|baseline`: the Pod Security Standards applied to every pod template of a
 * manifest, as the PodSecurity admission controller applies them to the pods those templates create.
 */
import { evaluatePod, parseMinorVersion, type Level, type MinorVersion, type PathSegment, type Violation } from "./standard.js";

export { CONTROLS, parseMinorVersion, type Level, type MinorVersion, type Violation } from "./standard.js";

export const podSecurityLevels: readonly Level[] = ["baseline", "restricted"];

export interface PodSecurityOptions {
  level: Level;
  /** Kubernetes minor version whose PodSecurity admission to follow, e.g. "v1.30"; default `latest`. */
  version?: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Where each workload kind keeps its pod template, by API group (core kinds only: a custom resource that happens
 * to be called Deployment is not judged). `extensions` is where Deployment, DaemonSet and ReplicaSet lived before
 * apps/v1; old manifests still use it.
 */
const TEMPLATE_PATHS: Record<string, { groups: string[]; path: string[] }> = {
  Pod: { groups: [""], path: [] },
  PodTemplate: { groups: [""], path: ["template"] },
  ReplicationController: { groups: [""], path: ["spec", "template"] },
  Deployment: { groups: ["apps", "extensions"], path: ["spec", "template"] },
  StatefulSet: { groups: ["apps"], path: ["spec", "template"] },
  DaemonSet: { groups: ["apps", "extensions"], path: ["spec", "template"] },
  ReplicaSet: { groups: ["apps", "extensions"], path: ["spec", "template"] },
  Job: { groups: ["batch"], path: ["spec", "template"] },
  CronJob: { groups: ["batch"], path: ["spec", "jobTemplate", "spec", "template"] },
};

/** The kinds that hold a pod template (or are a pod). */
export const podTemplateKinds = Object.keys(TEMPLATE_PATHS);

/** The path of the object's pod template (for a Pod, the object itself), or undefined for other kinds. */
export function podTemplatePath(object: Json): PathSegment[] | undefined {
  const kind = typeof object.kind === "string" ? object.kind : "";
  const entry = Object.hasOwn(TEMPLATE_PATHS, kind) ? TEMPLATE_PATHS[kind] : undefined;
  if (!entry) return undefined;
  const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  return entry.groups.includes(group) ? entry.path : undefined;
}

function at(object: Json, path: PathSegment[]): unknown {
  let value: unknown = object;
  for (const segment of path) value = isObject(value) ? value[segment as string] : undefined;
  return value;
}

/** A compiled check: `(object) => violations`, paths from the object's root. */
export type PodSecurityCheck = (object: unknown) => Violation[];

export function createPodSecurityCheck(options: PodSecurityOptions): PodSecurityCheck {
  const version: MinorVersion | undefined = parseMinorVersion(options.version ?? "latest");
  return (object) => {
    if (!isObject(object)) return [];
    const templatePath = podTemplatePath(object);
    if (!templatePath) return [];
    const template = at(object, templatePath);
    if (!isObject(template)) return [];
    const spec = template.spec;
    if (!isObject(spec)) return [];
    const metadata = isObject(template.metadata) ? template.metadata : {};
    return evaluatePod({ spec, metadata, specPath: [...templatePath, "spec"], metadataPath: [...templatePath, "metadata"] }, options.level, version);
  };
}
