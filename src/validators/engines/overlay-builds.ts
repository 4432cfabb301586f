/**
 * Objects of a kustomize base that only overlays build. A base folder often holds an object that is incomplete on
 * its own (a field every overlay adds, a placeholder every overlay replaces): kustomize and the GitOps engines never
 * apply it as written, only as each overlay builds it. Such an object is checked as each build makes it — the patches
 * of every kustomization on the way from the build's top down to the file, the nearest first, as kustomize applies
 * them — and is invalid only where some build of it is.
 *
 * A build's top is a kustomization no other one lists, or one a Flux Kustomization or Argo CD Application builds on
 * its own (`tops`). An object listed by a kustomization that is itself a top is applied as written: it keeps being
 * checked as it is; so is an object no kustomization lists.
 *
 * Patches are applied as applyFluxPatches reads them (strategic merge as a JSON merge, JSON 6902 add, replace,
 * remove); a kustomization's namePrefix, namespace and components are not applied first, so a patch whose target
 * needs them selects nothing and the object keeps what it was written with (today's result, never fewer checks).
 */
import { posix } from "node:path";
import { loadYamlStream } from "../../yaml/load.js";
import { isObject, resolveFrom, type Json } from "../gitops/repo-index.js";
import { isRemoteEntry } from "../gitops/kustomize.js";
import { applyFluxPatches } from "./flux-patches.js";
import type { BuildResolver } from "./kustomize-build.js";

/** One build of a base's object: the kustomization at its top, and the patches applied on the way, nearest first. */
export interface OverlayBuild {
  top: string;
  patches: Json[];
}

function dirOf(file: string): string {
  const dir = posix.dirname(file);
  return dir === "." ? "" : dir;
}

/** A kustomization's patches as `{ patch, target }` entries (files read; remote or unreadable ones left out). */
export function kustomizationPatches(file: string, kustomization: Json, read: (path: string) => string | undefined): Json[] {
  const entries: Json[] = [];
  const fromFile = (entry: unknown): string | undefined => {
    if (typeof entry !== "string" || isRemoteEntry(entry)) return undefined;
    const path = resolveFrom(dirOf(file), entry);
    return path === undefined ? undefined : read(path);
  };
  const list = (key: string) => (Array.isArray(kustomization[key]) ? (kustomization[key] as unknown[]) : []);
  for (const entry of list("patchesStrategicMerge")) {
    // An entry with a newline or a colon is the patch itself; a file may hold several documents.
    const text = typeof entry === "string" && /[\n:]/.test(entry) ? entry : fromFile(entry);
    if (text === undefined) continue;
    for (const document of loadYamlStream(text, { schema: "kubernetes", uniqueKeys: false })) {
      if (!document.failure && isObject(document.data)) entries.push({ patch: JSON.stringify(document.data) });
    }
  }
  for (const key of ["patches", "patchesJson6902"]) {
    for (const entry of list(key)) {
      if (!isObject(entry)) continue;
      const text = typeof entry.patch === "string" ? entry.patch : fromFile(entry.path);
      if (text === undefined) continue;
      entries.push(isObject(entry.target) ? { patch: text, target: entry.target } : { patch: text });
    }
  }
  return entries;
}

/**
 * For each object file only overlays build, its builds. `tops` are the kustomizations applied on their own besides
 * those nobody lists. A file with no build found (a cycle) is left out: it is checked as written.
 */
export function overlayBuilds(kustomizations: Map<string, Json>, resolver: BuildResolver, tops: ReadonlySet<string>, read: (path: string) => string | undefined): Map<string, OverlayBuild[]> {
  const parents = new Map<string, string[]>();
  for (const file of kustomizations.keys()) {
    for (const nested of resolver.nestedKustomizations(file)) if (nested !== file) parents.set(nested, [...(parents.get(nested) ?? []), file]);
  }
  const isTop = (file: string) => tops.has(file) || !parents.has(file);
  const listedBy = new Map<string, string[]>();
  for (const file of kustomizations.keys()) for (const object of resolver.ownObjects(file)) listedBy.set(object, [...(listedBy.get(object) ?? []), file]);

  const patchesOf = new Map<string, Json[]>();
  const patches = (file: string) => {
    if (!patchesOf.has(file)) patchesOf.set(file, kustomizationPatches(file, kustomizations.get(file) ?? {}, read));
    return patchesOf.get(file)!;
  };
  /** Every way up from `file` to a top, each as the kustomizations on it (file first); a cycle ends a way. */
  const memo = new Map<string, string[][]>();
  const waysUp = (file: string, stack: Set<string>): string[][] => {
    if (memo.has(file)) return memo.get(file)!;
    if (stack.has(file)) return [];
    if (isTop(file)) return [[file]];
    stack.add(file);
    const ways: string[][] = [];
    for (const parent of parents.get(file) ?? []) for (const way of waysUp(parent, stack)) ways.push([file, ...way]);
    stack.delete(file);
    memo.set(file, ways);
    return ways;
  };

  const builds = new Map<string, OverlayBuild[]>();
  for (const [object, owners] of listedBy) {
    if (owners.some(isTop)) continue;
    const found: OverlayBuild[] = [];
    for (const owner of owners) {
      for (const way of waysUp(owner, new Set())) found.push({ top: way.at(-1)!, patches: way.flatMap(patches) });
    }
    if (found.length > 0) builds.set(object, found);
  }
  return builds;
}

/** The object as a build makes it: its patches applied in order. */
export function builtObject(build: OverlayBuild, object: Json): Json {
  return applyFluxPatches({ spec: { patches: build.patches } }, object);
}
