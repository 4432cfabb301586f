/**
 * Files of the repository that Terraform reads as kustomize patches: a module that writes a kustomization with
 * `yamlencode({ patches = [{ target = {...}, patch = file("${path.module}/x.yaml") }] })` and uploads it (a k3s
 * installer, for one) holds `x.yaml` only as a patch's text. Such a file is part of an object, merged at build time
 * on the cluster: it is validated as a patch, as a patch a kustomization lists is, never as a whole object that
 * misses what the patch leaves out.
 *
 * Only the text is read, with a scan written here: the `patch` key sits inside an expression, which neither the
 * HCL scan (blocks and attributes) nor hcl2json (values without positions, functions unevaluated) opens up.
 */
import { posix } from "node:path";
import type { PatchSpec, PatchTarget } from "../kubernetes/patch.js";

/**
 * `patch = file("${path.module}/<path>")` or `templatefile(...)` with the same first argument; the key may be quoted
 * and written with `:`. Only paths relative to the module's folder are followed: `path.root` and `path.cwd` depend
 * on where Terraform runs.
 */
const PATCH_READ = /(?:^|[\s{,(])"?patch"?\s*[=:]\s*(?:file|templatefile)\(\s*"\$\{path\.module\}\/([^"$%\\]+)"/g;

const TARGET_KEYS = ["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"] as const;

/** The `target = { ... }` literal of the object around `at` (the patch's own), when its values are plain strings. */
function targetAround(text: string, at: number): PatchTarget | undefined {
  const open = enclosingBrace(text, at);
  if (open < 0) return undefined;
  const object = text.slice(open, closingBrace(text, open) + 1);
  const body = /"?target"?\s*[=:]\s*\{([^{}]*)\}/.exec(object)?.[1];
  if (body === undefined) return undefined;
  const target: PatchTarget = {};
  for (const key of TARGET_KEYS) {
    const value = new RegExp(`(?:^|[\\s,])"?${key}"?\\s*[=:]\\s*"([^"$%\\\\]*)"`).exec(body)?.[1];
    if (value !== undefined) target[key] = value;
  }
  return target;
}

/** Offset of the `{` that opens the object holding `at` (-1 when there is none). Braces inside strings are rare enough in a patch object to be counted. */
function enclosingBrace(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i >= 0; i--) {
    if (text[i] === "}") depth++;
    else if (text[i] === "{") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  return text.length - 1;
}

/**
 * The repository files (`files`) that its Terraform files read as patches, with the Terraform file as the one that
 * lists each (kustomize tells a strategic-merge patch from a JSON 6902 one by its content, as under `patches`).
 */
export function terraformPatchFiles(paths: readonly string[], files: ReadonlySet<string>, read: (path: string) => string | undefined): Map<string, PatchSpec> {
  const patches = new Map<string, PatchSpec>();
  for (const path of paths) {
    if (!path.endsWith(".tf") || path.split("/").includes(".terraform")) continue;
    const text = read(path);
    if (text === undefined || !text.includes("path.module")) continue;
    const dir = posix.dirname(path);
    for (const match of text.matchAll(PATCH_READ)) {
      const target = posix.normalize(posix.join(dir, match[1]!));
      if (target.startsWith("../") || !files.has(target) || patches.has(target)) continue;
      const spec: PatchSpec = { kustomization: path, field: "patches" };
      const selected = targetAround(text, match.index);
      if (selected && Object.keys(selected).length > 0) spec.target = selected;
      patches.set(target, spec);
    }
  }
  return patches;
}
