/**
 * Reading a fleet repository in tests: git in it, its files, their objects, and the folders each cluster's engine
 * builds (what `kubectl kustomize` is run on to see what a cluster applies).
 */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";

/** git in `dir`, with an identity of its own; short commands only (ls-files, rev-parse). */
export const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { encoding: "utf8" }).trim();
export const read = (dir: string, path: string) => readFileSync(join(dir, path), "utf8");
/** Whether kubectl (with its kustomize) is on PATH: tests that build with it are skipped, by their own condition, where not. */
export const kustomizeAvailable = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
/** `kubectl kustomize <path>` in `dir`: what the folder builds, as kustomize-controller and Argo CD build it. */
export const kustomize = async (dir: string, path: string) => (await promisify(execFile)("kubectl", ["kustomize", path], { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })).stdout;
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
