/**
 * Reading a fleet repository in tests: git in it, its files, their objects, and the folders each cluster's engine
 * builds (what `kubectl kustomize` is run on to see what a cluster applies).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

/** git in `dir`, with an identity of its own; short commands only (ls-files, rev-parse). */
export const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { encoding: "utf8" }).trim();
export const read = (dir: string, path: string) => readFileSync(join(dir, path), "utf8");
export const objectsOf = (text: string) => parseAllDocuments(text).map((doc) => doc.toJS()).filter(Boolean) as Array<Record<string, any>>;

/** The paths a cluster's engine builds: its Flux Kustomizations' paths (the cluster's own layers), or Argo CD's root folder. */
export function builtPaths(dir: string, cluster: string, engine: string): string[] {
  if (engine === "argo") return [`clusters/${cluster}/argocd`];
  return git(dir, "ls-files", `clusters/${cluster}`)
    .split("\n")
    .filter((path) => path.endsWith(".yaml"))
    .flatMap((file) => objectsOf(read(dir, file)))
    .filter((object) => object.kind === "Kustomization" && object.spec?.sourceRef?.name === "flux-system")
    .map((object) => (object.spec.path as string).replace(/^\.\//, ""))
    .filter((path) => !path.startsWith("clusters/"));
}
