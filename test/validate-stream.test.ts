/**
 * Streaming validation of files on disk: the thread pool gives the same results as one thread, in the same order,
 * with GitOps digests that keep only what the reference checks read; and validating a repository from disk
 * (batches, digests, lines found on demand) reports exactly what validating it in memory reports.
 * The worker threads run dist/ (`npm run build` first).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { folderSource, treeSource, validateSource, walkFiles } from "../src/validators/index.js";
import { validateFileStream, type FileOutcome } from "../src/validators/kubernetes/index.js";
import type { Problem } from "../src/validators/types.js";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

const workerBuilt = existsSync(join(repoRoot, "dist", "validators", "kubernetes", "worker.js"));

function document(n: number): string {
  switch (n % 4) {
    case 0:
      return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${n}, namespace: apps}\ndata: {key: "${n}"}\n`;
    case 1:
      // every 7th is invalid: replicas as a string
      return `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web-${n}}\nspec:\n  replicas: ${n % 7 === 1 ? '"two"' : 2}\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: app, image: nginx}]\n`;
    case 2:
      return `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: release-${n}, namespace: flux-system}\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: podinfo\n      sourceRef: {kind: HelmRepository, name: podinfo}\n  values:\n    big: "${"x".repeat(200)}"\n`;
    default:
      return `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: podinfo, namespace: flux-system}\nspec: {interval: 1h, url: "https://example.com/charts"}\n`;
  }
}

describe("validateFileStream", () => {
  const dir = tempDir("ccr-stream-");
  // More files than one batch holds, so that the pool's batches and their order are exercised.
  const paths = Array.from({ length: 100 }, (_, i) => `f${String(i).padStart(3, "0")}.yaml`);
  for (const [i, path] of paths.entries()) writeFileSync(join(dir, path), Array.from({ length: 4 }, (_, j) => document(i * 4 + j)).join("---\n"));

  async function collect(workers: number): Promise<FileOutcome[]> {
    const outcomes: FileOutcome[] = new Array(paths.length);
    await validateFileStream(paths, { strict: true }, { root: dir, digests: true, workers, minBytesForWorkers: 0 }, (position, outcome) => {
      expect(outcomes[position]).toBeUndefined();
      outcomes[position] = outcome;
    });
    return outcomes;
  }

  test.runIf(workerBuilt)("worker threads give one thread's results, in the order of the paths", async () => {
    const [single, pooled] = [await collect(1), await collect(3)];
    expect(pooled).toEqual(single);
    const results = single.flatMap((outcome) => outcome.results);
    expect(results).toHaveLength(400);
    expect(results.filter((r) => r.status === "invalid").map((r) => r.label)).toEqual(
      Array.from({ length: 400 }, (_, n) => n).filter((n) => n % 4 === 1 && n % 7 === 1).map((n) => `Deployment web-${n}`),
    );
    expect(results[0]).toMatchObject({ file: "f000.yaml", line: 1, status: "valid" });
  });

  test("digests keep identities and lines, and objects only for the kinds the GitOps checks read", async () => {
    const [outcome] = await collect(1);
    const digests = outcome?.digests ?? [];
    const starts = readFileSync(join(dir, "f000.yaml"), "utf8").split("\n").flatMap((line, i) => (line.startsWith("apiVersion:") ? [i + 1] : []));
    expect(digests.map((d) => [d.index, d.line, d.kind, d.name, d.object !== undefined])).toEqual([
      [0, starts[0], "ConfigMap", "cm-0", false],
      [1, starts[1], "Deployment", "web-1", false],
      [2, starts[2], "HelmRelease", "release-2", true],
      [3, starts[3], "HelmRepository", "podinfo", true],
    ]);
    // HelmRelease values are never read by the checks and can be large: not kept.
    expect(digests[2]?.object?.spec).not.toHaveProperty("values");
  });
});

describe("validateSource reports the same for a repository on disk and in memory", () => {
  const sort = (problems: Problem[]) => [...problems].sort((a, b) => `${a.file}:${a.line}:${a.rule}`.localeCompare(`${b.file}:${b.line}:${b.rule}`));

  test("on a generated repository with broken references, duplicates and schema problems", async () => {
    const dir = join(tempDir("ccr-ondisk-"), "repo");
    cpSync(join(repoRoot, "test", "golden", "aks-gpu-flux"), dir, { recursive: true });
    const edit = (file: string, from: string | RegExp, to: string) => {
      const text = readFileSync(join(dir, file), "utf8");
      if (!text.match(from)) throw new Error(`${file}: ${from} not found`);
      writeFileSync(join(dir, file), text.replace(from, to));
    };
    edit("clusters/aks-gpu/apps.yaml", /path: \.\/apps/, "path: ./nowhere");
    edit("apps/tensorflow-training/kustomization.yaml", /resources:\n/, "resources:\n  - missing.yaml\n  - job.yaml\n");
    edit("apps/tensorflow-training/job.yaml", /^kind: Job$/m, "kind: Job\nextra: 1");
    mkdirSync(join(dir, "apps", "more"));
    writeFileSync(join(dir, "apps", "more", "a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");

    const paths = walkFiles(dir);
    const files = paths.map((path) => ({ path, content: readFileSync(join(dir, path), "utf8") }));
    const inMemory = (await validateSource(treeSource(files), { strict: true })).results.flatMap((r) => r.problems);
    const onDisk = (await validateSource(folderSource(dir, paths), { strict: true })).results.flatMap((r) => r.problems);
    expect(inMemory.map((p) => p.rule)).toEqual(expect.arrayContaining(["flux-path-missing", "kustomize-resource-missing", "duplicate-resource", "k8s-unknown-field"]));
    expect(sort(onDisk)).toEqual(sort(inMemory));
  });
});
