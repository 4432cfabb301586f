/**
 * The workloads' shared bases of a fleet (docs/FLEETS.md, "Shared workload bases"): each workload a blueprint
 * renders under its apps layer (`apps/<workload>/`: the GPU smoke test, the inference server, the training Job, ...)
 * once per blueprint, in `environments/_bases/_apps/<blueprint>/<workload>/`, and in each cluster of that blueprint
 * only what differs from it: `apps/<workload>/kustomization.yaml` lists the base, patches each of its objects the
 * cluster has otherwise (JSON 6902 operations, inline), deletes those the cluster does not have, and lists the
 * cluster's own files with the objects the base lacks. Both engines build `apps/` with kustomize, and the workloads'
 * files are the same for Flux and Argo CD, so one base serves both.
 *
 * What goes into the base is a function of the blueprint alone, as the add-on bases are of the catalog alone: the
 * workloads the blueprint renders with its defaults (the canonical render, {@link canonicalWorkloads}). The
 * parameters a cluster sets (images, replicas, node placement, the add-ons that turn the inference server into a
 * Rollout) are its patches; what every cluster leaves at the default is written once. The base is the same bytes for
 * every writer, so that the first cluster's render can own it (its record is the merge base) while any other writer
 * that lacks it writes it and never touches one that exists.
 */
import { posix } from "node:path";
import { loadBlueprint } from "../blueprints/load.js";
import type { Blueprint } from "../blueprints/types.js";
import type { FileTree } from "../file-tree.js";
import { buildRenderContext } from "../generator/context.js";
import { toYamlDocuments } from "../generator/gitops.js";
import { renderTree } from "../generator/render.js";
import { toYamlText } from "../generator/yaml-text.js";
import { parseParams } from "../params/parse.js";
import { loadYamlStream } from "../yaml/load.js";
import { BASES_DIR } from "./layout.js";

const posixJoin = (folder: string, entry: string) => posix.normalize(posix.join(folder, entry));

/** The folder of the workload bases: `_apps` can name no add-on (catalog names are DNS labels), so the two never meet. */
export const WORKLOAD_BASES_DIR = `${BASES_DIR}_apps/`;
export const workloadBaseDirOf = (blueprint: string, workload: string) => `${WORKLOAD_BASES_DIR}${blueprint}/${workload}`;
export const isWorkloadBasePath = (path: string) => path.startsWith(WORKLOAD_BASES_DIR);

/** A cluster name no real cluster needs: the canonical render's, which a cluster's own name patches where it shows. */
const CANONICAL_NAME = "cluster";

const APPS_FILE = /^apps\/([^/]+)\/(.+\.ya?ml)$/;

/** The canonical render's workloads, by blueprint id and version: pure, so rendered once per process. */
const canonical = new Map<string, Map<string, FileTree>>();

/**
 * The workloads of `blueprint` rendered with its defaults: workload -> its files (path inside the workload's folder
 * -> text), the folder's kustomization left out (each base gets its own). The engine does not change them.
 */
export function canonicalWorkloads(blueprint: Blueprint): Map<string, FileTree> {
  const key = `${blueprint.id}@${blueprint.version}`;
  const cached = canonical.get(key);
  if (cached) return cached;
  const parsed = parseParams({ values: { gitops: "flux", clusterName: CANONICAL_NAME } }, blueprint);
  if (parsed.errors) throw new Error(`blueprint ${blueprint.id}: its defaults do not render (${parsed.errors.join("; ")}); a fleet's workload bases need them`);
  const tree = renderTree(blueprint, buildRenderContext(parsed.params, blueprint, { toolVersion: "", fleet: null }));
  const workloads = new Map<string, FileTree>();
  for (const [path, content] of tree) {
    const match = APPS_FILE.exec(path);
    if (!match || match[2] === "kustomization.yaml") continue;
    if (!workloads.has(match[1]!)) workloads.set(match[1]!, new Map());
    workloads.get(match[1]!)!.set(match[2]!, content);
  }
  canonical.set(key, workloads);
  return workloads;
}

/**
 * A kustomization's text; each patch (YAML the tool's writer wrote) a literal block, so that a review and the team's
 * edits read it line by line, as in the environment's overlay (src/fleet/environment-overlay.ts).
 */
function kustomization(note: string, resources: string[], patches: Array<{ target?: Record<string, string>; patch: string }> = []): string {
  const entries = patches.map((entry, index) => ({ ...(entry.target ? { target: entry.target } : {}), patch: `@@patch-${index}@@` }));
  const text = toYamlDocuments([{ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources, ...(entries.length ? { patches: entries } : {}) }]);
  // The writer's lines are printable and the first is not indented: a literal block keeps each as written.
  return `# ${note}\n` + text.replace(/^( *(?:- )?)patch: ['"]?@@patch-(\d+)@@['"]?$/gm, (_line, key: string, index: string) =>
    `${key}patch: |\n${patches[Number(index)]!.patch.replace(/\n$/, "").split("\n").map((line) => `${" ".repeat(key.length + 2)}${line}`).join("\n")}`,
  );
}

/** The bases of a blueprint's workloads: its canonical files, each folder with a kustomization listing them. */
export function renderWorkloadBases(blueprintId: string): Array<[string, string]> {
  const blueprint = loadBlueprint(blueprintId);
  const out: Array<[string, string]> = [];
  for (const [workload, files] of canonicalWorkloads(blueprint)) {
    if ([...files.keys()].some((path) => path.includes("/"))) continue;
    const dir = workloadBaseDirOf(blueprint.id, workload);
    const note = `The shared base of ${workload} for every cluster of blueprint ${blueprint.id} ${blueprint.version} in the fleet, rendered with the blueprint's defaults: each cluster's apps/${workload}/ patches in what it sets otherwise (docs/FLEETS.md).`;
    for (const [path, content] of files) out.push([`${dir}/${path}`, content]);
    out.push([`${dir}/kustomization.yaml`, kustomization(note, [...files.keys()].sort())]);
  }
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The workload bases a fleet's first cluster holds: those of every blueprint a cluster of the fleet runs. */
export const ownedWorkloadBases = (blueprints: Iterable<string>): Array<[string, string]> => [...new Set(blueprints)].sort().flatMap(renderWorkloadBases);

interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

/** One document of a file: its text (comments included) and its object. */
interface Piece {
  text: string;
  object: ManifestObject;
}

const identityOf = (object: ManifestObject) => `${object.apiVersion} ${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name}`;

/** A file's documents, each with its own text; undefined where one is not a named object (then the file stays whole). */
function piecesOf(text: string): Piece[] | undefined {
  const documents = loadYamlStream(text, { schema: "kubernetes" });
  // The templates write `---` alone on a line between documents: split there, so each keeps its comments.
  const texts = text.split(/^---[ \t]*\n/m).filter((part) => part.replace(/^\s*#.*$/gm, "").trim() !== "");
  if (documents.length !== texts.length) return undefined;
  const pieces: Piece[] = [];
  for (const [index, document] of documents.entries()) {
    const object = document.data as ManifestObject | null;
    if (document.failure || !object?.kind || !object.apiVersion || typeof object.metadata?.name !== "string") return undefined;
    pieces.push({ text: texts[index]!, object });
  }
  return pieces;
}

type Operation = { op: "add" | "remove" | "replace"; path: string; value?: unknown };

const pointer = (path: string[]) => path.map((part) => "/" + part.replace(/~/g, "~0").replace(/\//g, "~1")).join("");
const isMap = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The JSON 6902 operations that make `from` into `to`. Hand-written rather than a JSON-patch library's diff: lists are
 * compared item by item where their lengths agree and replaced whole otherwise (no index shifting: each operation
 * reads on its own in a review), and no library here has that rule.
 */
export function jsonPatch(from: unknown, to: unknown, path: string[] = []): Operation[] {
  if (JSON.stringify(from) === JSON.stringify(to)) return [];
  if (isMap(from) && isMap(to)) {
    const operations: Operation[] = [];
    for (const key of Object.keys(from)) if (!(key in to)) operations.push({ op: "remove", path: pointer([...path, key]) });
    for (const [key, value] of Object.entries(to)) {
      operations.push(...(key in from ? jsonPatch(from[key], value, [...path, key]) : [{ op: "add" as const, path: pointer([...path, key]), value }]));
    }
    return operations;
  }
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) return to.flatMap((value, index) => jsonPatch(from[index], value, [...path, String(index)]));
  return [{ op: "replace", path: pointer(path), value: to }];
}

/** kustomize's patch target of an object: group, version, kind, name and namespace. */
function targetOf(object: ManifestObject): Record<string, string> {
  const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
  return { ...(group ? { group } : {}), version: version!, kind: object.kind, name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) };
}

/**
 * A cluster of a fleet: each workload of its apps layer that its blueprint's base has comes from the base, with the
 * cluster's differences as patches. `root` is the cluster's folder (its files are at `${root}apps/<workload>/`);
 * `tree` is changed in place. A workload the base lacks, or a file that is not plain named objects, stays as it is.
 */
export function listWorkloadBases(tree: Map<string, string>, blueprint: Blueprint, root: string): void {
  const bases = canonicalWorkloads(blueprint);
  const up = "../".repeat(2 + root.split("/").filter(Boolean).length);
  for (const [workload, baseFiles] of bases) {
    if ([...baseFiles.keys()].some((path) => path.includes("/"))) continue;
    const folder = `${root}apps/${workload}/`;
    const own = [...tree.keys()].filter((path) => path.startsWith(folder) && path !== `${folder}kustomization.yaml`);
    if (own.length === 0 || own.some((path) => path.slice(folder.length).includes("/"))) continue;
    const baseObjects = new Map<string, ManifestObject>();
    let readable = true;
    for (const text of baseFiles.values()) {
      const pieces = piecesOf(text);
      if (!pieces) readable = false;
      for (const piece of pieces ?? []) baseObjects.set(identityOf(piece.object), piece.object);
    }
    const clusterPieces = new Map(own.map((path) => [path, piecesOf(tree.get(path)!)]));
    if (!readable || [...clusterPieces.values()].some((pieces) => !pieces)) continue;
    const patches: Array<{ target?: Record<string, string>; patch: string }> = [];
    const seen = new Set<string>();
    const keep: string[] = [];
    for (const [path, pieces] of clusterPieces) {
      const staying = pieces!.filter((piece) => !baseObjects.has(identityOf(piece.object)));
      for (const piece of pieces!) {
        const base = baseObjects.get(identityOf(piece.object));
        if (!base) continue;
        seen.add(identityOf(piece.object));
        const operations = jsonPatch(base, piece.object);
        if (operations.length) patches.push({ target: targetOf(piece.object), patch: toYamlText(operations, { yaml11Safe: true }) });
      }
      if (staying.length === 0) tree.delete(path);
      else {
        if (staying.length !== pieces!.length) tree.set(path, staying.map((piece) => piece.text).join("---\n"));
        keep.push(path.slice(folder.length));
      }
    }
    // The base's objects this cluster does not have (another kind of workload object, a switched-off part).
    for (const [identity, object] of baseObjects) {
      if (seen.has(identity)) continue;
      const { apiVersion, kind, metadata } = object;
      patches.unshift({ patch: toYamlText({ $patch: "delete", apiVersion, kind, metadata: { name: metadata.name, ...(metadata.namespace ? { namespace: metadata.namespace } : {}) } }, { yaml11Safe: true }) });
    }
    const note = `${workload}: its shared base (${workloadBaseDirOf(blueprint.id, workload)}/, blueprint ${blueprint.id}'s defaults) with what this cluster sets otherwise as patches, and its own files (docs/FLEETS.md, "Shared workload bases").`;
    tree.set(`${folder}kustomization.yaml`, kustomization(note, [`${up}${workloadBaseDirOf(blueprint.id, workload)}`, ...keep.sort()], patches));
  }
}

/** Applies JSON 6902 operations of the kinds {@link jsonPatch} writes (and `add` at a list index or `-`); false where one does not apply. */
function applyOperations(object: unknown, operations: unknown): boolean {
  if (!Array.isArray(operations)) return false;
  for (const operation of operations as Operation[]) {
    if (typeof operation?.path !== "string" || !operation.path.startsWith("/")) return false;
    const keys = operation.path.slice(1).split("/").map((key) => key.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = keys.pop()!;
    let parent: unknown = object;
    for (const key of keys) parent = (parent as Record<string, unknown> | undefined)?.[key];
    if (typeof parent !== "object" || parent === null) return false;
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length) return false;
      if (operation.op === "add") parent.splice(index, 0, operation.value);
      else if (operation.op === "remove") parent.splice(index, 1);
      else if (operation.op === "replace") parent[index] = operation.value;
      else return false;
    } else if (operation.op === "remove") delete (parent as Record<string, unknown>)[last];
    else if (operation.op === "add" || operation.op === "replace") (parent as Record<string, unknown>)[last] = operation.value;
    else return false;
  }
  return true;
}

/** An object with its keys sorted at every level, so that two builds compare by content alone. */
const sortedKeys = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(sortedKeys) : isMap(value) ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedKeys(value[key])])) : value;

/** A workload base's file as this release renders it (undefined for a blueprint it does not ship). */
function baseFileOf(path: string): string | undefined {
  if (!isWorkloadBasePath(path)) return undefined;
  const blueprint = path.slice(WORKLOAD_BASES_DIR.length).split("/")[0]!;
  try {
    return new Map(renderWorkloadBases(blueprint)).get(path);
  } catch {
    return undefined;
  }
}

/** Objects as one text of documents, by identity, their keys sorted: the form two views of a workload compare in. */
export const sortedDocuments = (objects: object[]): string =>
  toYamlDocuments((objects as ManifestObject[]).slice().sort((a, b) => identityOf(a).localeCompare(identityOf(b))).map((object) => sortedKeys(object) as object));

/**
 * What the cluster's workload folders that list a base build, for describing a change (src/update/summary.ts): folder
 * -> the objects its base, patches and own files give, as one text of documents with sorted keys. A folder whose
 * kustomization this reader does not follow (a team's other patch forms) is left out: its files then count as written.
 */
export function workloadBuilds(tree: FileTree): Map<string, string> {
  const builds = new Map<string, string>();
  // A change of one added cluster holds its own files, not the bases: those are its blueprint's, rendered the same way.
  const fileOf = (path: string) => tree.get(path) ?? baseFileOf(path);
  for (const [path, text] of tree) {
    const match = /^(.*apps\/[^/]+\/)kustomization\.yaml$/.exec(path);
    if (!match || isWorkloadBasePath(path) || !text.includes(WORKLOAD_BASES_DIR)) continue;
    const folder = match[1]!;
    const data = loadYamlStream(text, { schema: "kubernetes" })[0]?.data as { resources?: unknown; patches?: unknown } | undefined;
    const objects = new Map<string, ManifestObject>();
    let followed = Array.isArray(data?.resources);
    for (const entry of (data?.resources as unknown[] | undefined) ?? []) {
      if (typeof entry !== "string") followed = false;
      const dir = posixJoin(folder, String(entry));
      const files = isWorkloadBasePath(dir) ? ((loadYamlStream(fileOf(`${dir}/kustomization.yaml`) ?? "", { schema: "kubernetes" })[0]?.data as { resources?: unknown[] } | undefined)?.resources ?? []).map((file) => `${dir}/${String(file)}`) : [dir];
      for (const file of files) {
        const text = fileOf(file);
        const pieces = text !== undefined ? piecesOf(text) : undefined;
        if (!pieces) followed = false;
        for (const piece of pieces ?? []) objects.set(identityOf(piece.object), structuredClone(piece.object));
      }
    }
    for (const entry of Array.isArray(data?.patches) ? (data!.patches as Array<{ target?: Record<string, string>; patch?: unknown }>) : []) {
      const patch = typeof entry?.patch === "string" ? loadYamlStream(entry.patch, { schema: "kubernetes" })[0]?.data : undefined;
      if (isMap(patch) && patch.$patch === "delete") {
        followed &&= objects.delete(identityOf(patch as unknown as ManifestObject));
        continue;
      }
      const target = entry?.target;
      const object = target ? [...objects.values()].find((candidate) => JSON.stringify(targetOf(candidate)) === JSON.stringify(target)) : undefined;
      followed &&= object !== undefined && applyOperations(object, patch);
    }
    if (followed) builds.set(folder, sortedDocuments([...objects.values()]));
  }
  return builds;
}
