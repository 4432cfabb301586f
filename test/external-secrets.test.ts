/**
 * secrets=external-secrets (#26, part 2) in every blueprint's render, for both engines: the External Secrets Operator
 * from the catalog, the blueprint's store pack (the ClusterSecretStore and its Terraform), and an ExternalSecret for
 * every Secret the render uses (vLLM's API key, Argo CD's repository credential, each add-on's declared Secrets), all
 * strictly valid against the CRDs derived from upstream; a store of another cloud, or the operator turned off, is
 * refused with exit 2. Expectations come from the render's own parameters and the blueprint's data, never its id.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { BlueprintError } from "../src/errors.js";
import { buildRenderContext } from "../src/generator/context.js";
import { renderTree } from "../src/generator/render.js";
import { parseParams } from "../src/params/parse.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { treeSource, validateSource } from "../src/validators/index.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { fixturesDir, repoRoot } from "./helpers/fixtures.js";

type Json = Record<string, any>;

const REPO_URL = "https://github.com/acme/c.git";
const objectsOf = (content: string | undefined): Json[] => parseAllDocuments(content ?? "").map((document) => document.toJS() as Json).filter(Boolean);
const allObjects = (tree: Map<string, string>) => [...tree].filter(([path]) => /\.ya?ml$/.test(path)).flatMap(([path, content]) => objectsOf(content).map((object) => ({ path, object })));

/** The store kinds a blueprint's schema knows, its own (the default) first. */
function storeKinds(blueprint: string): { own: string; others: string[] } {
  const schema = JSON.parse(readFileSync(join(repoRoot, "blueprints", blueprint, "params.schema.json"), "utf8"));
  const kind = schema.properties.secretStore.properties.kind;
  return { own: kind.default, others: kind.enum.filter((other: string) => other !== kind.default) };
}

/** The chart values' key paths at the pinned version (derived from upstream values.yaml, see the file's `source`). */
const upstreamValues = JSON.parse(readFileSync(join(fixturesDir, "upstream-values", "external-secrets-2.9.0.json"), "utf8")) as { paths: string[]; open: string[] };

function valuePaths(values: Json, prefix = ""): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return value && typeof value === "object" && !Array.isArray(value) ? [path, ...valuePaths(value, path)] : [path];
  });
}

describe.each(blueprintIds())("%s", (blueprint) => {
  test.each(["flux", "argo"])("with %s: the operator, the cloud's store and an ExternalSecret per Secret the render uses, strictly valid", async (gitops) => {
    const { tree, params } = await renderBlueprint(blueprint, { values: { repoUrl: REPO_URL, gitops } }, { toolVersion: "0.0.0-test" });
    const objects = allObjects(tree);
    const kind = storeKinds(blueprint).own;
    expect(params.secretStore.kind).toBe(kind);

    // The operator: chart 2.9.0 from its repository, for the repository's engine, its values keys the chart's own.
    const chartObject = objects.find(({ object }) => (object.kind === "HelmRelease" || object.kind === "Application") && object.metadata.name === "external-secrets")?.object;
    expect(chartObject).toBeDefined();
    const source = gitops === "flux" ? chartObject!.spec.chart.spec : chartObject!.spec.source;
    expect(gitops === "flux" ? source.version : source.targetRevision).toBe("2.9.0");
    const values = gitops === "flux" ? chartObject!.spec.values : chartObject!.spec.source.helm.valuesObject;
    const unknown = valuePaths(values).filter((path) => !upstreamValues.paths.includes(path) && !upstreamValues.open.some((open) => path.startsWith(`${open}.`)));
    expect(unknown).toEqual([]);

    // The store pack: one ClusterSecretStore, named after its kind, and the Terraform that creates its access with the
    // cluster where the store has any (Barbican is a service of the project: nothing to create).
    const stores = objects.filter(({ object }) => object.kind === "ClusterSecretStore");
    expect(stores.map(({ object }) => object.metadata.name)).toEqual([kind]);
    expect(tree.has("terraform/secret-store.tf")).toBe(existsSync(join(repoRoot, "templates", "packs", kind, "terraform", "secret-store.tf.hbs")));

    // One ExternalSecret per Secret the render uses, each reading that store and refreshed (rotation).
    const expected = [
      ...(params.inference?.enabled ? [`${params.inference.namespace}/inference-api-key`] : []),
      ...(gitops === "argo" ? [`argocd/${params.clusterName}-repository`] : []),
    ].sort();
    const externalSecrets = objects.filter(({ object }) => object.kind === "ExternalSecret").map(({ object }) => object);
    expect(externalSecrets.map((object) => `${object.metadata.namespace}/${object.metadata.name}`).sort()).toEqual(expected);
    for (const object of externalSecrets) {
      expect(object.spec.secretStoreRef).toEqual({ kind: "ClusterSecretStore", name: kind });
      expect(object.spec.refreshInterval).toMatch(/^[1-9][0-9]*[hm]$/);
      expect(object.spec.target.name).toBe(object.metadata.name);
      // Every key of the Secret comes from the store: data items or dataFrom rewrites, one per key.
      const keys = [...(object.spec.data ?? []).map((item: Json) => item.secretKey), ...(object.spec.dataFrom ?? []).map((item: Json) => item.rewrite[0].regexp.target)];
      expect(keys.length).toBeGreaterThan(0);
    }
    // The credential Argo CD needs before it can read Git is made at bootstrap: External Secrets merges into it.
    for (const object of externalSecrets) expect(object.spec.target.creationPolicy).toBe(object.metadata.namespace === "argocd" ? "Merge" : "Owner");

    // No Secret with a value anywhere; everything valid, strictly, at restricted Pod Security.
    expect(objects.filter(({ object }) => object.kind === "Secret")).toEqual([]);
    const report = await validateSource(treeSource(tree), { strict: true, repoUrls: [REPO_URL], podSecurity: { level: "restricted" } });
    expect(report.results.flatMap((result) => result.problems).filter((problem) => problem.severity === "error")).toEqual([]);
    expect(report.valid).toBe(true);

    // The README: how the store's access gets into the cluster, and one command to put a value.
    const readme = tree.get("README.md")!;
    // Rotation is putting a new value under the entry the ExternalSecret reads: the README names each one.
    for (const object of externalSecrets) {
      const entries = [
        ...(object.spec.data ?? []).map((item: Json) => [String(item.remoteRef.key).replace(/^name:/, ""), item.secretKey]),
        ...(object.spec.dataFrom ?? []).map((item: Json) => [String(item.find.name.regexp).replace(/^\^|\$$/g, ""), item.rewrite[0].regexp.target]),
      ].map(([entry, key]) => {
        expect(entry).toBe(`${params.clusterName}-${object.metadata.namespace}-${object.metadata.name}-${key}`);
        return entry as string;
      });
      for (const entry of entries) expect(readme, entry).toContain(entry);
    }
    expect(readme).toContain("First External Secrets' access to the cluster's secret manager");
    expect(readme).toContain("refreshInterval: 1h");
    expect(readme).not.toMatch(/kubectl -n \S+ create secret generic inference-api-key/);
  });

  test("a secret store of another cloud is refused with exit 2 and the reason, nothing written", async () => {
    const { own, others } = storeKinds(blueprint);
    expect(others.length).toBeGreaterThan(0);
    for (const other of others) {
      const dir = `${tempDir("ccr-store-")}/repo`;
      const run = await runCli(["--blueprint", blueprint, "--yes", "--set", `secretStore.kind=${other}`, dir]);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`secretStore.kind: ${other} is not a secret manager of this blueprint's cloud, which has ${own}`);
      expect(run.stderr).toContain("[rule: secret-store-of-cloud]");
      expect(existsSync(dir)).toBe(false);
    }
  });

  test("an answers file selecting another cloud's store is refused the same way", async () => {
    const { others } = storeKinds(blueprint);
    const dir = tempDir("ccr-store-answers-");
    const answers = join(dir, "answers.yaml");
    writeFileSync(answers, `secretStore:\n  kind: ${others[0]}\n`);
    const run = await runCli(["--blueprint", blueprint, "--yes", "--values", answers, join(dir, "repo")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("[rule: secret-store-of-cloud]");
    expect(existsSync(join(dir, "repo"))).toBe(false);
  });

  test("the secrets parameter decides: no switch of its own, and one given is refused with exit 2", async () => {
    const run = await runCli(["--blueprint", blueprint, "--yes", "--set", "addons.external-secrets.enabled=false", "--dry-run", `${tempDir("ccr-eso-off-")}/repo`]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("addons.external-secrets");
  });

  test("a bad value of the operator's values is refused with exit 2, naming the add-on and the key", async () => {
    const run = await runCli(["--blueprint", blueprint, "--yes", "--set", "addons.external-secrets.values.replicaCount=0", "--dry-run", `${tempDir("ccr-eso-values-")}/repo`]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("addons.external-secrets.values.replicaCount");
  });

  test("secrets=sops with Flux: no operator, no store, no ExternalSecret", async () => {
    const { tree } = await renderBlueprint(blueprint, { values: { repoUrl: REPO_URL, secrets: "sops" } }, { toolVersion: "0.0.0-test" });
    const kinds = new Set(allObjects(tree).map(({ object }) => object.kind));
    expect(kinds.has("ExternalSecret") || kinds.has("ClusterSecretStore")).toBe(false);
    expect(tree.has("terraform/secret-store.tf")).toBe(false);
    expect([...tree.keys()].some((path) => path.includes("external-secrets"))).toBe(false);
  });
});

describe("an add-on declares the Secrets it needs (addon.yaml secrets)", () => {
  /** The shipped catalog plus an add-on that needs an admin password, as the monitoring add-on's Grafana will. */
  function catalogWithSecretUser(secrets: unknown, layer?: string): string {
    const root = join(tempDir("ccr-catalog-secrets-"), "addons");
    cpSync(join(repoRoot, "addons"), root, { recursive: true });
    cpSync(join(fixturesDir, "catalog", "framework", "plain"), join(root, "dashboard"), { recursive: true });
    const manifest = parseYaml(readFileSync(join(root, "dashboard", "addon.yaml"), "utf8"));
    writeFileSync(join(root, "dashboard", "addon.yaml"), JSON.stringify({ ...manifest, requires: [], enabledByDefault: true, secrets, ...(layer ? { layer } : {}) }));
    return root;
  }

  test.each(blueprintIds())("%s: an ExternalSecret per declared Secret, reading the blueprint's store, in the add-on's namespace unless it names one", (blueprint) => {
    const root = catalogWithSecretUser([{ name: "dashboard-admin", keys: ["admin-user", "admin-password"] }, { name: "smtp", keys: ["password"], namespace: "mail" }]);
    const loaded = loadBlueprint(blueprint, { catalog: loadCatalog(root) });
    const parsed = parseParams({ values: { repoUrl: REPO_URL } }, loaded);
    expect(parsed.errors).toBeUndefined();
    const context = buildRenderContext(parsed.params!, loaded, { toolVersion: "0.0.0-test" });
    const tree = renderTree(loaded, context);
    const namespace = loadCatalog(root).addons.get("dashboard")!.namespace;
    const declared = objectsOf(tree.get("infrastructure-secrets/external-secrets/addon-secrets.yaml"));
    expect(declared.map((object) => `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`)).toEqual([`ExternalSecret ${namespace}/dashboard-admin`, "ExternalSecret mail/smtp"]);
    const kind = storeKinds(blueprint).own;
    for (const object of declared) expect(object.spec.secretStoreRef.name).toBe(kind);
    // Each key is the store's entry <cluster>-<namespace>-<secret>-<key>, whatever the store's way of naming it.
    const text = tree.get("infrastructure-secrets/external-secrets/addon-secrets.yaml")!;
    expect(text).toContain(`${context.cluster.name}-${namespace}-dashboard-admin-admin-password`);
    expect(text).toContain(`${context.cluster.name}-mail-smtp-password`);
    expect(tree.get("README.md")).toContain(`| \`dashboard-admin\` (add-on dashboard) | \`${namespace}\` |`);
  });

  test("a declaration that is not a list of {name, keys, namespace} names the file and the field", () => {
    const problems = (secrets: unknown) => {
      try {
        loadCatalog(catalogWithSecretUser(secrets));
      } catch (error) {
        expect(error).toBeInstanceOf(BlueprintError);
        return (error as BlueprintError).problems;
      }
      return [];
    };
    expect(problems([{ name: "Admin", keys: ["x"] }])).toEqual([expect.stringMatching(/^addons\/dashboard\/addon\.yaml: secrets\[0\]\.name: /)]);
    expect(problems([{ name: "admin", keys: [] }])).toEqual([expect.stringMatching(/^addons\/dashboard\/addon\.yaml: secrets\[0\]\.keys: /)]);
    expect(problems([{ name: "admin", keys: ["a_b"] }])).toEqual([expect.stringMatching(/secrets\[0\]\.keys: /)]);
    expect(problems({ name: "admin" })).toEqual([expect.stringMatching(/secrets: a list/)]);
    expect(problems([{ name: "admin", keys: ["a"], namespace: "Bad NS" }])).toEqual([expect.stringMatching(/secrets\[0\]\.namespace: /)]);
    // An add-on of the apps layer would create its namespace after the Secrets it reads: refused, with the reason.
    let appsLayer: string[] = [];
    try {
      loadCatalog(catalogWithSecretUser([{ name: "admin", keys: ["a"] }], "apps"));
    } catch (error) {
      appsLayer = (error as BlueprintError).problems;
    }
    expect(appsLayer).toEqual([expect.stringMatching(/^addons\/dashboard\/addon\.yaml: secrets: only an add-on of the infrastructure layer declares Secrets/)]);
  });
});
