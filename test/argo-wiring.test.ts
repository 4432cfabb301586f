import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { renderBlueprint } from "../src/render-blueprint.js";
import { tempDir } from "./helpers/cli.js";
import { paramsFixtures } from "./helpers/fixtures.js";

type Json = Record<string, any>;
interface Doc {
  file: string;
  object: Json;
}

const kustomizeAvailable = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
/** kubectl kustomize, awaited: several builds in a row must not block the test worker on a loaded machine. */
const kustomize = async (dir: string) => (await promisify(execFile)("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })).stdout;
const SYSTEM_NAMESPACES = new Set(["default", "kube-system", "kube-public", "argocd"]);

function documents(tree: Map<string, string>): Doc[] {
  return [...tree]
    .filter(([file]) => /\.ya?ml$/.test(file) && !file.startsWith(".github/") && !file.startsWith("terraform/"))
    .flatMap(([file, text]) => parseAllDocuments(text).map((doc) => ({ file, object: doc.toJS() as Json })))
    .filter((doc) => doc.object && typeof doc.object === "object");
}

const isArgo = (doc: Doc, kind: string) => String(doc.object.apiVersion).startsWith("argoproj.io/") && doc.object.kind === kind;
const syncOptions = (object: Json): string[] => [
  ...(object.spec?.syncPolicy?.syncOptions ?? []),
  ...String(object.metadata?.annotations?.["argocd.argoproj.io/sync-options"] ?? "")
    .split(",")
    .map((option) => option.trim())
    .filter(Boolean),
];

/** The folder of the repository an Application syncs, when its source is this repository (not a Helm chart). */
function ownPath(app: Json, repoUrl: string): { path: string; recurse: boolean } | undefined {
  const source = app.spec?.source;
  if (!source || source.chart || source.repoURL !== repoUrl || typeof source.path !== "string") return undefined;
  return { path: posix.normalize(source.path).replace(/\/$/, ""), recurse: source.directory?.recurse === true };
}

/** Whether an Application with this path picks up `file`: kustomize builds, or plain (recursive) directories. */
function covers(app: { path: string; recurse: boolean }, file: string, tree: Map<string, string>): boolean {
  if (tree.has(`${app.path}/kustomization.yaml`)) return file.startsWith(`${app.path}/`); // every folder below has one
  return posix.dirname(file) === app.path || (app.recurse && file.startsWith(`${app.path}/`));
}

const argoFixtures = paramsFixtures("valid").filter((fixture) => fixture.params.gitops === "argo");

/**
 * The Argo CD wiring of every Argo CD render: everything reconciled from Git, Jobs run once per change of their
 * manifest, and namespaces created in the same sync as the workloads that need them.
 */
describe.each(argoFixtures.map((fixture) => [fixture.name, fixture] as const))("Argo CD wiring: %s", (name, fixture) => {
  let tree: Map<string, string>;
  let docs: Doc[];
  let repoUrl: string;
  let dir: string;
  const work = tempDir("ccr-argo-wiring-");
  beforeAll(async () => {
    const rendered = await renderBlueprint(fixture.blueprint, { values: fixture.params }, { toolVersion: "0.0.0-test" });
    tree = rendered.tree;
    repoUrl = rendered.context.gitops.repoUrl;
    docs = documents(tree);
    dir = join(work, name);
    for (const [path, content] of tree) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
  });

  test("every AppProject and Application file lies under the path of an Application synced from this repository", () => {
    const applications = docs.filter((doc) => isArgo(doc, "Application"));
    const rooted = applications.map((doc) => ownPath(doc.object, repoUrl)).filter((app) => app !== undefined);
    expect(rooted.length).toBeGreaterThan(0);
    const argoFiles = [...new Set(docs.filter((doc) => isArgo(doc, "Application") || isArgo(doc, "AppProject")).map((doc) => doc.file))];
    expect(argoFiles.length).toBeGreaterThanOrEqual(4);
    const orphans = argoFiles.filter((file) => !rooted.some((app) => covers(app, file, tree)));
    expect(orphans).toEqual([]);
    // The project in particular: a Helm source added by `update` must reach it through Git, in the first wave.
    const project = docs.find((doc) => isArgo(doc, "AppProject"))!;
    expect(Number(project.object.metadata.annotations["argocd.argoproj.io/sync-wave"])).toBeLessThan(
      Math.min(...applications.filter((doc) => doc.object.metadata.annotations?.["argocd.argoproj.io/sync-wave"] !== undefined).map((doc) => Number(doc.object.metadata.annotations["argocd.argoproj.io/sync-wave"]))),
    );
  });

  test("sync waves between child Applications are health-gated: argocd-cm restores the Application health check", () => {
    const cm = docs.find((doc) => doc.object.kind === "ConfigMap" && doc.object.metadata?.name === "argocd-cm");
    expect(cm?.file).toMatch(/^clusters\/[^/]+\/argocd\/argocd-cm\.yaml$/);
    expect(cm!.object.metadata.namespace).toBe("argocd");
    // Argo CD's own settings are never pruned or deleted with the Applications that manage them.
    expect(syncOptions(cm!.object)).toEqual(expect.arrayContaining(["Prune=false", "Delete=false"]));
    expect(cm!.object.data["resource.customizations.health.argoproj.io_Application"]).toMatch(/obj\.status[\s\S]*health\.status[\s\S]*return/);
    const rooted = docs.filter((doc) => isArgo(doc, "Application")).map((doc) => ownPath(doc.object, repoUrl)).filter((app) => app !== undefined);
    expect(rooted.some((app) => covers(app, cm!.file, tree))).toBe(true);
  });

  test("no Job is force-replaced on every sync", () => {
    const jobs = docs.filter((doc) => doc.object.kind === "Job");
    const applications = docs.filter((doc) => isArgo(doc, "Application"));
    for (const job of jobs) {
      const options = syncOptions(job.object);
      const hook = job.object.metadata?.annotations?.["argocd.argoproj.io/hook"];
      // A hook runs on every sync operation of its Application: never for a Job meant to run once per change.
      expect({ job: job.file, hook }).toEqual({ job: job.file, hook: undefined });
      if (!options.some((option) => /^(Force|Replace)=true$/.test(option))) continue;
      const owner = applications.find((app) => {
        const path = ownPath(app.object, repoUrl);
        return path !== undefined && covers(path, job.file, tree);
      });
      expect(owner, `${job.file} is deployed by no Application`).toBeDefined();
      // Replace/Force apply to out-of-sync resources only, so an unchanged Job is left alone ...
      expect({ job: job.file, app: owner!.object.metadata.name, options: syncOptions(owner!.object) }).toMatchObject({ options: expect.arrayContaining(["ApplyOutOfSyncOnly=true"]) });
      // ... and it stays in sync: a Job deleted after it finished would be Missing, recreated and rerun.
      expect(job.object.spec?.ttlSecondsAfterFinished).toBeUndefined();
    }
  });

  test.skipIf(!kustomizeAvailable)("every namespace a child Application deploys into is created in that same Application, or by an add-on's Application of an earlier wave (kubectl kustomize builds)", async () => {
    const applications = docs.filter((doc) => isArgo(doc, "Application"));
    const wave = (app: Json) => Number(app.metadata?.annotations?.["argocd.argoproj.io/sync-wave"] ?? 0);
    // An add-on's chart Application creates its namespace (CreateNamespace); the infrastructure Application that adds
    // the namespace's NetworkPolicies syncs in a later wave, and waves are health-gated (tested above).
    const createdBefore = (app: Json, namespace: string) =>
      applications.some((other) => other.object !== app && syncOptions(other.object).includes("CreateNamespace=true") && other.object.spec.destination?.namespace === namespace && wave(other.object) < wave(app));
    for (const app of applications) {
      const destination = app.object.spec.destination?.namespace;
      const createsDestination = syncOptions(app.object).includes("CreateNamespace=true");
      const path = ownPath(app.object, repoUrl);
      if (!path || !tree.has(`${path.path}/kustomization.yaml`)) {
        // A Helm chart (or the root app, into argocd): its one namespace is created by the Application itself.
        if (app.object.spec.source.chart) expect({ app: app.object.metadata.name, createsDestination, destination }).toMatchObject({ createsDestination: true, destination: expect.any(String) });
        continue;
      }
      const built = parseAllDocuments(await kustomize(join(dir, path.path))).map((doc) => doc.toJS() as Json);
      const created = new Set(built.filter((object) => object.kind === "Namespace").map((object) => object.metadata.name));
      const needed = new Set(built.map((object) => object.metadata?.namespace).filter((namespace): namespace is string => typeof namespace === "string"));
      for (const namespace of needed) {
        const ok = created.has(namespace) || SYSTEM_NAMESPACES.has(namespace) || (createsDestination && destination === namespace) || createdBefore(app.object, namespace);
        expect({ app: app.object.metadata.name, namespace, ok }).toEqual({ app: app.object.metadata.name, namespace, ok: true });
      }
    }
  });
});
