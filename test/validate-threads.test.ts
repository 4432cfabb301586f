/**
 * A repository on disk gives the same report whether its manifests are validated in one thread or spread over two
 * (a worker thread takes batches from the same queue as the calling thread, and answers in any order): same
 * results, same order, same line numbers, same GitOps cross-file findings. Generated repositories mix valid and
 * invalid objects, YAML errors, duplicates, and Flux, Argo CD and kustomize references that exist or do not.
 * The worker thread runs dist/ (`npm run build` first).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { folderSource, validateSource, walkFiles } from "../src/validators/index.js";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

const workerBuilt = existsSync(join(repoRoot, "dist", "validators", "kubernetes", "worker.js"));
const REPO_URL = "https://example.com/fleet.git";
/** Folders the generated files live in; references may also name a3 and a4, which never exist. */
const FOLDERS = ["a0", "a1", "a2"];

type Kind = "deployment" | "bad-replicas" | "unknown-field" | "configmap" | "flux-kustomization" | "helmrelease" | "helmrepository" | "application" | "broken-yaml";
const KINDS: Kind[] = ["deployment", "bad-replicas", "unknown-field", "configmap", "flux-kustomization", "helmrelease", "helmrepository", "application", "broken-yaml"];

/** One document; `n` keeps names apart, `ref` picks what a reference names (a folder or a repository, present or not). */
function documentText(kind: Kind, n: number, ref: number): string {
  switch (kind) {
    case "deployment":
    case "bad-replicas":
    case "unknown-field":
      return [
        "apiVersion: apps/v1",
        "kind: Deployment",
        `metadata: {name: web-${n}, namespace: team}`,
        "spec:",
        `  replicas: ${kind === "bad-replicas" ? '"two"' : 2}`,
        ...(kind === "unknown-field" ? ["  replica: 3"] : []),
        "  selector: {matchLabels: {app: web}}",
        "  template:",
        "    metadata: {labels: {app: web}}",
        "    spec:",
        "      containers: [{name: app, image: nginx}]",
      ].join("\n");
    case "configmap":
      // few names: the same ConfigMap twice is a duplicate
      return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings-${ref % 3}, namespace: team}\ndata: {key: "${n}"}`;
    case "flux-kustomization":
      return [
        "apiVersion: kustomize.toolkit.fluxcd.io/v1",
        "kind: Kustomization",
        `metadata: {name: apps-${n}, namespace: flux-system}`,
        "spec:",
        "  interval: 10m",
        `  path: ./apps/a${ref % 5}`,
        "  prune: true",
        "  sourceRef: {kind: GitRepository, name: flux-system}",
      ].join("\n");
    case "helmrelease":
      return [
        "apiVersion: helm.toolkit.fluxcd.io/v2",
        "kind: HelmRelease",
        `metadata: {name: release-${n}, namespace: flux-system}`,
        "spec:",
        "  interval: 1h",
        "  chart:",
        "    spec:",
        "      chart: podinfo",
        `      sourceRef: {kind: HelmRepository, name: charts-${ref % 4}}`,
      ].join("\n");
    case "helmrepository":
      return `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: charts-${ref % 2}, namespace: flux-system}\nspec: {interval: 1h, url: "https://charts.example.com"}`;
    case "application":
      return [
        "apiVersion: argoproj.io/v1alpha1",
        "kind: Application",
        `metadata: {name: app-${n}, namespace: argocd}`,
        "spec:",
        "  project: default",
        `  source: {repoURL: "${REPO_URL}", targetRevision: main, path: apps/a${ref % 5}}`,
        "  destination: {server: https://kubernetes.default.svc, namespace: team}",
      ].join("\n");
    case "broken-yaml":
      return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken-${n}\ndata: [unclosed`;
  }
}

const fileArb = fc.record({
  folder: fc.constantFrom(...FOLDERS),
  documents: fc.array(fc.record({ kind: fc.constantFrom(...KINDS), ref: fc.nat(11) }), { minLength: 1, maxLength: 4 }),
  // comment lines before the first document: files of different sizes, documents on different lines
  padding: fc.nat(40),
});
/** Enough files for several batches (a batch holds at most 32 files), so that the worker takes some. */
const repositoryArb = fc.record({
  files: fc.array(fileArb, { minLength: 70, maxLength: 140 }),
  // a kustomization.yaml in a0 listing some of its files and one that does not exist
  kustomization: fc.boolean(),
});

type Repository = typeof repositoryArb extends fc.Arbitrary<infer T> ? T : never;

function writeRepository(dir: string, repository: Repository): void {
  rmSync(dir, { recursive: true, force: true });
  let n = 0;
  const byFolder = new Map<string, string[]>();
  for (const [i, file] of repository.files.entries()) {
    const name = `f${String(i).padStart(3, "0")}.yaml`;
    const path = join(dir, "apps", file.folder, name);
    mkdirSync(dirname(path), { recursive: true });
    const text = [...Array.from({ length: file.padding }, (_, line) => `# padding ${line}`), file.documents.map((document) => documentText(document.kind, n++, document.ref)).join("\n---\n")].join("\n");
    writeFileSync(path, `${text}\n`);
    byFolder.set(file.folder, [...(byFolder.get(file.folder) ?? []), name]);
  }
  if (repository.kustomization && byFolder.has("a0")) {
    const resources = [...(byFolder.get("a0") ?? []).slice(0, 3), "missing.yaml"];
    writeFileSync(join(dir, "apps", "a0", "kustomization.yaml"), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((resource) => `  - ${resource}`).join("\n")}\n`);
  }
  mkdirSync(join(dir, "clusters"), { recursive: true });
  writeFileSync(
    join(dir, "clusters", "flux-system.yaml"),
    `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\nspec: {interval: 1m, url: "${REPO_URL}", ref: {branch: main}}\n`,
  );
}

describe("validate in one thread or two", () => {
  test.runIf(workerBuilt)(
    "gives the same report, in the same order, on generated repositories with errors and cross-file references",
    async () => {
      const dir = join(tempDir("ccr-threads-"), "repo");
      let sawCrossFile = false;
      await fc.assert(
        fc.asyncProperty(repositoryArb, async (repository) => {
          writeRepository(dir, repository);
          const paths = walkFiles(dir);
          const validate = (workers: number) => validateSource(folderSource(dir, paths), { strict: true, repoUrls: [REPO_URL], workers });
          const one = await validate(1);
          const two = await validate(2);
          expect(two).toEqual(one);
          sawCrossFile ||= one.results.some((result) => result.validator === "gitops" && result.problems.some((problem) => problem.severity === "error"));
        }),
        // a failing case is reported as found: shrinking it would validate hundreds of repositories
        { numRuns: 8, endOnFailure: true },
      );
      // The property must have met the findings it is about (otherwise it compared little).
      expect(sawCrossFile).toBe(true);
    },
    120_000,
  );
});
