/**
 * An add-on that reads a Secret it declares (addon.yaml `secrets`: Grafana's admin login) is installed only once that
 * Secret exists, on a new cluster, in both engines (#26): checked as data on the render, for every blueprint x engine x
 * secrets backend where such an add-on can be on, and every add-on of the catalog that declares a Secret (never a
 * blueprint's or an add-on's id in the test).
 *
 * - Flux: the graph of Kustomizations (dependsOn, which one applies each file by its path) and HelmReleases
 *   (dependsOn): the Kustomization that makes the Secret (an ExternalSecret it waits for, or a health check of the
 *   Secret) comes after the one applying the namespace and the CRDs of what makes it, and before the one applying the
 *   reader's HelmRelease; no HelmRelease waits for one applied after it (a deadlock), no cycle.
 * - Argo CD: the root's sync waves: namespace and External Secrets' chart, then the ExternalSecret's Application, then
 *   the reader's Application.
 * - The render validates (the project's validate, strict), and the README asks for the value in the store or an
 *   encrypted file, never a kubectl of the Secret.
 */
import { describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import type { Addon } from "../src/catalog/types.js";
import { parseParams } from "../src/params/parse.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { treeSource, validateSource } from "../src/validators/index.js";
import { switchedOn } from "./helpers/addon-settings.js";

type Json = Record<string, any>;
interface Placed {
  path: string;
  object: Json;
}

const REPO_URL = "https://github.com/acme/c.git";
const catalog = loadCatalog();
const readers = [...catalog.addons.values()].filter((addon) => (addon.secrets?.length ?? 0) > 0);
/** The add-ons whose chart installs the ExternalSecret CRD (External Secrets), found by their `crds`. */
const externalSecretCrdOwners = new Set([...catalog.addons.values()].filter((addon) => addon.crds?.includes("external-secrets.io/ExternalSecret")).map((addon) => addon.name));

function withDependencies(name: string, into = new Set<string>()): Set<string> {
  into.add(name);
  for (const dependency of catalog.addons.get(name)!.dependsOn ?? []) withDependencies(dependency, into);
  return into;
}

function valuesFor(reader: Addon, gitops: string, secrets: string): Record<string, unknown> {
  const addons = Object.fromEntries([...withDependencies(reader.name)].map((name) => [name, switchedOn(catalog.addons.get(name)!)]));
  return { repoUrl: REPO_URL, gitops, secrets, addons };
}

/** Every blueprint x engine x backend x reader whose parameters are accepted (sops with Argo CD is refused: #26). */
const cases = blueprintIds().flatMap((blueprint) => {
  const loaded = loadBlueprint(blueprint);
  return ["flux", "argo"].flatMap((gitops) =>
    ["external-secrets", "sops"].flatMap((secrets) =>
      readers.filter((reader) => loaded.offeredAddons.has(reader.name) && !parseParams({ values: valuesFor(reader, gitops, secrets) }, loaded).errors).map((reader) => ({ blueprint, gitops, secrets, reader })),
    ),
  );
});

const objectsOf = (tree: Map<string, string>): Placed[] =>
  [...tree].filter(([path]) => /\.ya?ml$/.test(path)).flatMap(([path, content]) => parseAllDocuments(content).map((document) => ({ path, object: document.toJS() as Json })).filter(({ object }) => object && typeof object === "object" && object.kind));

/** The object of that kind and name (and namespace, when given): exactly one. */
function one(objects: Placed[], kind: string, name: string, namespace?: string): Placed {
  const found = objects.filter(({ object }) => object.kind === kind && object.metadata?.name === name && (namespace === undefined || object.metadata?.namespace === namespace));
  expect(found.map(({ path }) => path), `${kind} ${namespace ?? ""}/${name}`).toHaveLength(1);
  return found[0]!;
}

/** The GitOps object (Flux Kustomization / Argo CD Application) applying a file: the one whose path holds it, deepest first. */
function applierOf(path: string, appliers: Array<{ name: string; dir: string }>): string {
  const holders = appliers.filter(({ dir }) => path.startsWith(`${dir}/`)).sort((a, b) => b.dir.length - a.dir.length);
  expect(holders.length, `${path}: applied by some Kustomization or Application`).toBeGreaterThan(0);
  return holders[0]!.name;
}

test("some add-on of the catalog declares a Secret, and some blueprint x engine x backend renders it", () => {
  expect(readers.length).toBeGreaterThan(0);
  expect(new Set(cases.map(({ gitops, secrets }) => `${gitops}/${secrets}`))).toEqual(new Set(["flux/external-secrets", "flux/sops", "argo/external-secrets"]));
});

describe.each(cases.map((one) => [`${one.blueprint} ${one.gitops} ${one.secrets} + ${one.reader.name}`, one] as const))("%s", (_, { blueprint, gitops, secrets, reader }) => {
  let rendered: ReturnType<typeof renderBlueprint> | undefined;
  const render = () => (rendered ??= renderBlueprint(blueprint, { values: valuesFor(reader, gitops, secrets) }, { toolVersion: "0.0.0-test" }));
  const declared = () => reader.secrets!.map((secret) => ({ name: secret.name, namespace: secret.namespace ?? reader.namespace }));

  test.runIf(gitops === "flux")("Flux: the Kustomization that makes each Secret comes after its namespace and CRDs, and before the reader's HelmRelease; no deadlock, no cycle", async () => {
    const { tree, context } = await render();
    const objects = objectsOf(tree);
    const kustomizations = objects.filter(({ path, object }) => object.kind === "Kustomization" && object.apiVersion?.startsWith("kustomize.toolkit.fluxcd.io/") && path.startsWith(`${context.gitops.clusterPath}/`)).map(({ object }) => object);
    const byName = new Map(kustomizations.map((k) => [k.metadata.name as string, k]));
    const appliers = kustomizations.filter((k) => k.spec.sourceRef.name === "flux-system" && k.metadata.name !== "flux-system").map((k) => ({ name: k.metadata.name as string, dir: String(k.spec.path).replace(/^\.\//, "").replace(/\/$/, "") }));
    const dependencies = (name: string): string[] => (byName.get(name)?.spec.dependsOn ?? []).map((dependency: Json) => dependency.name);
    // Every dependency exists; the graph has no cycle.
    for (const name of byName.keys()) for (const dependency of dependencies(name)) expect(byName.has(dependency), `${name} dependsOn ${dependency}`).toBe(true);
    const after = (name: string, seen = new Set<string>()): Set<string> => {
      for (const dependency of dependencies(name)) if (!seen.has(dependency)) after(dependency, seen.add(dependency));
      return seen;
    };
    for (const name of byName.keys()) expect(after(name).has(name), `${name} depends on itself`).toBe(false);
    const waitsFor = (later: string, earlier: string) => later !== earlier && after(later).has(earlier);

    // No HelmRelease depends on one that a Kustomization waiting for it applies (it would wait for ever).
    const releases = objects.filter(({ object }) => object.kind === "HelmRelease");
    for (const { path, object } of releases) {
      for (const dependency of object.spec.dependsOn ?? []) {
        const other = one(objects, "HelmRelease", dependency.name, dependency.namespace ?? object.metadata.namespace);
        const [mine, theirs] = [applierOf(path, appliers), applierOf(other.path, appliers)];
        expect(mine === theirs || waitsFor(mine, theirs), `HelmRelease ${object.metadata.name} (${mine}) waits for ${dependency.name} (${theirs})`).toBe(true);
      }
    }

    const readerRelease = applierOf(one(objects, "HelmRelease", reader.name, reader.namespace).path, appliers);
    for (const secret of declared()) {
      // What makes it, and how its Kustomization knows the Secret is there.
      const externalSecret = objects.find(({ object }) => object.kind === "ExternalSecret" && object.metadata.name === secret.name && object.metadata.namespace === secret.namespace);
      const checked = kustomizations.find((k) => (k.spec.healthChecks ?? []).some((check: Json) => check.kind === "Secret" && check.apiVersion === "v1" && check.name === secret.name && check.namespace === secret.namespace));
      const maker = externalSecret ? applierOf(externalSecret.path, appliers) : checked?.metadata.name;
      expect(maker, `${secret.namespace}/${secret.name}: an ExternalSecret or a health-checked Secret`).toBeDefined();
      expect(externalSecret === undefined).toBe(secrets === "sops");
      const makerSpec = byName.get(maker!)!.spec;
      // wait: true waits for the ExternalSecret's Ready (its Secret made) and ignores healthChecks; without it, the Secret is health-checked.
      if (externalSecret) expect(makerSpec.wait).toBe(true);
      else expect(makerSpec.wait === false && checked?.metadata.name === maker).toBe(true);
      // After its namespace, and (External Secrets) after the chart that installs ExternalSecret's CRD and its store.
      const namespace = applierOf(one(objects, "Namespace", secret.namespace).path, appliers);
      expect(waitsFor(maker!, namespace), `${maker} after ${namespace} (namespace ${secret.namespace})`).toBe(true);
      if (externalSecret) {
        const operator = releases.find(({ object }) => externalSecretCrdOwners.has(object.metadata.name))!;
        expect(waitsFor(maker!, applierOf(operator.path, appliers)), `${maker} after External Secrets' HelmRelease`).toBe(true);
        const store = one(objects, "ClusterSecretStore", externalSecret.object.spec.secretStoreRef.name);
        const storeApplier = applierOf(store.path, appliers);
        expect(storeApplier === maker || waitsFor(maker!, storeApplier), `the store ${storeApplier} with or before ${maker}`).toBe(true);
      } else {
        // sops: the README's file for it is where that Kustomization applies, decrypting.
        expect(tree.get("README.md")).toContain(`team/secrets/${secret.name}.yaml`);
        expect(applierOf(`team/secrets/${secret.name}.yaml`, appliers)).toBe(maker);
        expect(makerSpec.decryption?.provider).toBe("sops");
      }
      // The reader's chart only after it.
      expect(waitsFor(readerRelease, maker!), `${reader.name}'s HelmRelease (${readerRelease}) after ${maker}`).toBe(true);
    }
  });

  test.runIf(gitops === "argo")("Argo CD: the namespace and External Secrets' chart, then the ExternalSecret's Application, then the reader's, in increasing sync waves", async () => {
    const { tree, context } = await render();
    const objects = objectsOf(tree);
    const applications = objects.filter(({ path, object }) => object.kind === "Application" && path.startsWith(`${context.gitops.clusterPath}/argocd/apps/`)).map(({ object }) => object);
    const wave = (name: string) => Number(applications.find((application) => application.metadata.name === name)!.metadata.annotations["argocd.argoproj.io/sync-wave"]);
    const appliers = applications.filter((application) => application.spec.source?.path && application.spec.source.repoURL === REPO_URL).map((application) => ({ name: application.metadata.name as string, dir: String(application.spec.source.path).replace(/\/$/, "") }));
    const operator = applications.find((application) => externalSecretCrdOwners.has(application.metadata.name))!;
    expect(operator).toBeDefined();
    for (const secret of declared()) {
      const externalSecret = one(objects, "ExternalSecret", secret.name, secret.namespace);
      const maker = applierOf(externalSecret.path, appliers);
      const namespace = applierOf(one(objects, "Namespace", secret.namespace).path, appliers);
      const store = applierOf(one(objects, "ClusterSecretStore", externalSecret.object.spec.secretStoreRef.name).path, appliers);
      expect(wave(namespace), `namespace ${secret.namespace} (${namespace}) before ${maker}`).toBeLessThan(wave(maker));
      expect(wave(operator.metadata.name)).toBeLessThan(wave(maker));
      expect(wave(store)).toBeLessThanOrEqual(wave(maker));
      expect(wave(reader.name), `${reader.name} after ${maker}`).toBeGreaterThan(wave(maker));
      expect(context.addonList.find((addon) => addon.name === reader.name)!.wave).toBe(String(wave(reader.name)));
    }
    // What the reader's configs use (its CRDs) still comes after it.
    if (tree.has(`infrastructure-configs/${reader.name}/kustomization.yaml`)) expect(wave("infrastructure-configs")).toBeGreaterThan(wave(reader.name));
  });

  test("validates strictly, and the README asks for the value in the store or an encrypted file, never a kubectl of the Secret", async () => {
    const { tree, context } = await render();
    const report = await validateSource(treeSource(tree), { strict: true, repoUrls: [context.gitops.repoUrl], terraform: false });
    expect(report.results.flatMap((result) => result.problems).filter((problem) => problem.severity === "error")).toEqual([]);
    expect(report.valid).toBe(true);
    const readme = tree.get("README.md")!;
    for (const secret of declared()) {
      expect(readme).not.toMatch(new RegExp(`kubectl -n \\S+ create secret generic ${secret.name}\\b`));
      if (secrets === "sops") expect(readme).toContain(`sops -e -i team/secrets/${secret.name}.yaml`);
      else for (const key of reader.secrets!.find((one) => one.name === secret.name)!.keys) expect(readme).toContain(`${context.cluster.name}-${secret.namespace}-${secret.name}-${key}`);
    }
  });
});
