/**
 * The blueprint contract: what every blueprint under blueprints/ must provide, checked for each one discovered
 * (nothing here lists blueprints by hand). Each failure says which file to add or change. docs/BLUEPRINT-GUIDE.md is
 * the same list, as a checklist; a blueprint that passes here passes the rest of the suite's per-blueprint tests
 * (golden repositories, validate mutations, hostile strings, secrets).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Ajv } from "ajv";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { cloudSet, loadBlueprint, templatesRoot, templateSetsOf } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import type { Blueprint } from "../src/blueprints/types.js";
import type { FileTree } from "../src/file-tree.js";
import { createParamsAjv, parseParams } from "../src/params/parse.js";
import { ruleLibrary, type RuleDefinition } from "../src/params/rules/index.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { impliedProviderName, loadProviderTable, providerOfType, providerTablePath } from "../src/validators/terraform/provider-tables.js";
import { fixturesDir, repoRoot } from "./helpers/fixtures.js";

const LIBRARY_FILE = "src/params/rules/index.ts";
const RULES_DIR = join(repoRoot, "src", "params", "rules");

/** Properties that need a default (reached through objects) and a description (all of them), as dotted paths. */
function undocumentedParams(schema: any, prefix = "", inList = false): string[] {
  return Object.entries<any>(schema.properties ?? {}).flatMap(([key, sub]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const problems = [
      ...(sub.description ? [] : [`${path}: add a "description"`]),
      // The catalog's add-ons default by capability (x-default says how) and their values default to the chart's.
      ...(inList || sub.default !== undefined || sub["x-default"] !== undefined || path.startsWith("addons.") ? [] : [`${path}: add a "default" (every blueprint renders with --yes alone)`]),
    ];
    if (sub.type === "object") problems.push(...undocumentedParams(sub, path, inList));
    if (sub.type === "array" && sub.items?.type === "object") problems.push(...undocumentedParams(sub.items, `${path}[]`, true));
    return problems;
  });
}

/** Manifests of the blueprint's own (not GitOps wiring): YAML with a kind under apps/ or infrastructure/. */
function ownManifests(tree: FileTree): string[] {
  return [...tree.keys()].filter(
    (path) => /^(apps|infrastructure)\/.*\.ya?ml$/.test(path) && !path.endsWith("kustomization.yaml") && /^kind: /m.test(tree.get(path)!),
  );
}

const SECRET_OUTPUT = /kube_?config|kube_admin_config|password|secret|token|private_key|client_key|client_certificate|raw_config|config_file/i;

describe("the rule library", () => {
  test(`every rule exported by a module in src/params/rules/ is registered in ${LIBRARY_FILE}`, async () => {
    const unregistered: string[] = [];
    for (const file of readdirSync(RULES_DIR).filter((name) => name.endsWith(".ts")).sort()) {
      const module = (await import(pathToFileURL(join(RULES_DIR, file)).href)) as Record<string, unknown>;
      const exported = Object.values(module).flatMap((value) => (Array.isArray(value) ? value : [value]));
      for (const value of exported) {
        const rule = value as RuleDefinition;
        if (!rule || typeof rule !== "object" || typeof rule.name !== "string" || typeof rule.check !== "function") continue;
        if (ruleLibrary.get(rule.name) !== rule) unregistered.push(`${rule.name} (src/params/rules/${file})`);
      }
    }
    expect(unregistered, `add these rules to LIBRARY in ${LIBRARY_FILE}`).toEqual([]);
  });

  test("every rule's options are a valid JSON Schema (run time compiles them unchecked)", () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    for (const rule of ruleLibrary.values()) {
      if (!rule.options) continue;
      expect(ajv.validateSchema(rule.options), `src/params/rules: the options of ${rule.name}: ${ajv.errorsText()}`).toBe(true);
      expect(() => ajv.compile(rule.options!), rule.name).not.toThrow();
    }
  });

  test("every rule has a kebab-case name and a description", () => {
    for (const rule of ruleLibrary.values()) {
      expect(rule.name, rule.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(rule.description.length, `${rule.name}: add a description`).toBeGreaterThan(10);
    }
  });
});

describe.each(blueprintIds())("blueprint %s:", (id) => {
  const manifestFile = `blueprints/${id}/blueprint.yaml`;
  let blueprint: Blueprint;
  let tree: FileTree;
  // The cloud module as blueprint.yaml names it (read raw: the first test reports a blueprint that does not load).
  const cloud = `templates/${cloudSet(String((parseYaml(readFileSync(join(repoRoot, manifestFile), "utf8")) as { cloud?: unknown })?.cloud ?? "<cloud>"))}`;

  beforeAll(async () => {
    // One render of the defaults (`--yes` alone), shared by the checks below that read it.
    blueprint = loadBlueprint(id);
    tree = (await renderBlueprint(id, {}, { toolVersion: "0.0.0-contract" })).tree;
  });

  test(`${manifestFile} loads: id, version, title, description, provider; cloud module and packs; rules from the library`, () => {
    // loadBlueprint throws a BlueprintError listing every problem (unknown rule, bad options, missing cloud module or pack).
    expect(() => loadBlueprint(id)).not.toThrow();
    for (const set of templateSetsOf(blueprint)) expect(existsSync(join(templatesRoot, set)), `add templates/${set}/`).toBe(true);
  });

  test(`blueprints/${id}/params.schema.json: valid JSON Schema, known keywords, every parameter described and defaulted`, () => {
    // At run time the schemas are compiled without meta-schema validation (start-up cost); this is where it happens.
    const ajv = createParamsAjv({ validateSchema: true });
    expect(ajv.validateSchema(blueprint.paramsSchema), ajv.errorsText(ajv.errors)).toBe(true);
    expect(undocumentedParams(blueprint.paramsSchema)).toEqual([]);
    const defaults = parseParams({}, blueprint);
    expect(defaults.errors, "the defaults must pass the schema and every rule").toBeUndefined();
  });

  test(`its cloud module's _partials/ has the README partials blueprintReadme, createCluster and blueprintNotes`, () => {
    // The common README places all three; a missing one fails the render with a Handlebars error that names no file.
    for (const partial of ["blueprintReadme", "createCluster", "blueprintNotes"]) {
      expect(existsSync(join(repoRoot, cloud, "_partials", `${partial}.hbs`)), `add ${cloud}/_partials/${partial}.hbs`).toBe(true);
    }
    expect(tree.get("README.md")).toMatch(/## The cluster/);
  });

  test(`valid fixtures test/fixtures/params/valid/${id}-flux.yaml and ${id}-argo.yaml exist (golden repositories and validate mutations use them)`, () => {
    for (const gitops of ["flux", "argo"]) {
      const file = join(fixturesDir, "params", "valid", `${id}-${gitops}.yaml`);
      expect(existsSync(file), `add test/fixtures/params/valid/${id}-${gitops}.yaml with "blueprint: ${id}" and "params: {gitops: ${gitops}}"`).toBe(true);
      expect(parseYaml(readFileSync(file, "utf8"))).toMatchObject({ blueprint: id, params: { gitops } });
    }
  });

  test("every invalid fixture of the blueprint names a rule of its blueprint.yaml (or schema) on its first line", () => {
    const names = new Set(["schema", ...blueprint.boundRules.map((rule) => rule.name)]);
    const dir = join(fixturesDir, "params", "invalid");
    for (const file of readdirSync(dir).filter((name) => name.startsWith(`${id}-`))) {
      const text = readFileSync(join(dir, file), "utf8");
      if (parseYaml(text)?.blueprint !== id) continue;
      const rule = /^#\s*rule:\s*(\S+)/.exec(text)?.[1];
      expect(names.has(rule ?? ""), `test/fixtures/params/invalid/${file}: first line must be "# rule: <a rule of ${manifestFile}>", got ${rule}`).toBe(true);
    }
  });

  test(`renders at least two Kubernetes manifests of its own under apps/ or infrastructure/ (its cloud module's or its packs'), namespaces in infrastructure/`, () => {
    expect(ownManifests(tree).length, `add manifests to ${cloud}/apps/ or infrastructure/, or name packs (templates/packs/) in ${manifestFile}`).toBeGreaterThanOrEqual(2);
    expect(ownManifests(tree).some((path) => path.startsWith("infrastructure/")), `add ${cloud}/infrastructure/namespaces/`).toBe(true);
  });

  test(`every Terraform resource and data type is in its provider's attribute table (schemas/terraform/<provider>.json)`, async () => {
    const types: Array<{ type: string; kind: "resources" | "dataSources" }> = [];
    for (const [path, content] of tree) {
      if (!path.endsWith(".tf")) continue;
      const parsed = (await parseHcl(path, content)) as { resource?: Record<string, unknown>; data?: Record<string, unknown> };
      types.push(...Object.keys(parsed.resource ?? {}).map((type) => ({ type, kind: "resources" as const })));
      types.push(...Object.keys(parsed.data ?? {}).map((type) => ({ type, kind: "dataSources" as const })));
    }
    expect(types.length, `${cloud}/terraform/main.tf.hbs declares no resource`).toBeGreaterThan(0);
    const missing = new Set<string>();
    for (const { type, kind } of types) {
      const table = await loadProviderTable(providerOfType(type) ?? "");
      if (!table) missing.add(`${type}: add ${providerTablePath(impliedProviderName(type))} (derived by scripts/extract-provider-schemas.mjs; found by its presence)`);
      else if (!table[kind][type]) missing.add(`${type}: not in ${providerTablePath(impliedProviderName(type))}; derive it again with the provider's service (scripts/extract-provider-schemas.mjs)`);
    }
    // Without a table `validate` reports these blocks as not checked; the shipped blueprints must be fully checked.
    expect([...missing]).toEqual([]);
  });

  test(`terraform/outputs.tf: every output that carries a credential (a kubeconfig, a key) is sensitive`, async () => {
    const outputs = tree.get("terraform/outputs.tf");
    expect(outputs, `add ${cloud}/terraform/outputs.tf.hbs`).toBeDefined();
    const parsed = (await parseHcl("outputs.tf", outputs!)) as { output?: Record<string, Array<{ value?: unknown; sensitive?: boolean }>> };
    expect(Object.keys(parsed.output ?? {}).length, `${cloud}/terraform/outputs.tf.hbs: say how to reach the cluster`).toBeGreaterThan(0);
    const secret = Object.entries(parsed.output ?? {}).filter(([name, [block]]) => SECRET_OUTPUT.test(`${name} ${JSON.stringify(block?.value)}`));
    for (const [name, [block]] of secret) expect(block?.sensitive, `output "${name}" carries a credential: add sensitive = true`).toBe(true);
  });

  test("README.md's Blueprints table has a row for it", () => {
    expect(readFileSync(join(repoRoot, "README.md"), "utf8"), `add a row "| \`${id}\` | what it makes |" to README.md's Blueprints table`).toContain(`| \`${id}\` |`);
  });
});
