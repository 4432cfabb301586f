/**
 * The contract of every add-on of the shipped catalog (docs/ADDON-GUIDE.md, "The checklist"), one folder at a time:
 * each failure names the file to add or change. A new add-on is one folder of data (addons/<name>/); this test, the
 * catalog's loader and test/addon-renders.test.ts (which renders it into every fixture that may run it) say what it
 * still lacks.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { parseAllDocuments } from "yaml";
import { describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadBlueprint } from "../src/blueprints/load.js";
import { ADDON_FILES, addonNames, catalogRoot, loadCatalog } from "../src/catalog/load.js";
import { BlueprintError } from "../src/errors.js";
import { BLUEPRINT_KEYWORDS } from "../src/params/compiled-schemas.js";
import { switchedOn } from "./helpers/addon-settings.js";
import { repoRoot } from "./helpers/fixtures.js";

/** API groups whose schemas ship with the validator whatever the catalog holds (Kubernetes', Flux's, Argo CD's). */
const BUILT_IN_GROUP = /^(|[a-z.]*\.k8s\.io|apps|batch|policy|autoscaling|[a-z.]*\.toolkit\.fluxcd\.io|argoproj\.io)$/;

/** The loader's problems with one add-on (the catalog loads whole, or says what is wrong with each folder). */
function loadProblems(name: string): string[] {
  try {
    loadCatalog(catalogRoot);
    return [];
  } catch (error) {
    if (!(error instanceof BlueprintError)) throw error;
    return error.problems.filter((problem) => problem.startsWith(`addons/${name}/`));
  }
}

/** apiVersion and kind of every object an add-on's templates write, from the text (templates are not YAML yet). */
function kindsWritten(source: string): Array<{ group: string; version: string; kind: string }> {
  const kinds: Array<{ group: string; version: string; kind: string }> = [];
  for (const match of source.matchAll(/^apiVersion:\s*(\S+)\s*\nkind:\s*(\S+)/gm)) {
    const [group, version] = match[1]!.includes("/") ? match[1]!.split("/") : ["", match[1]!];
    kinds.push({ group: group!, version: version!, kind: match[2]! });
  }
  return kinds;
}

const ajv = new Ajv({ strict: true, allErrors: true, keywords: BLUEPRINT_KEYWORDS });

test("addons/ holds add-on folders and catalog.yaml, and the catalog loads", () => {
  expect(addonNames().length).toBeGreaterThan(0);
  expect(existsSync(join(catalogRoot, "catalog.yaml")), "add addons/catalog.yaml (the catalog's version)").toBe(true);
  // The loader's problems, each naming its file (the catalog loads whole or not at all).
  expect(addonNames().flatMap(loadProblems)).toEqual([]);
});

describe.each(addonNames())("add-on %s:", (name) => {
  const dir = join(catalogRoot, name);
  const rel = `addons/${name}`;

  test(`1. ${ADDON_FILES.manifest} loads`, () => {
    expect(existsSync(join(dir, ADDON_FILES.manifest)), `add ${rel}/${ADDON_FILES.manifest}`).toBe(true);
    expect(loadProblems(name)).toEqual([]);
  });

  test(`2. ${ADDON_FILES.valuesSchema}: draft-07, closed, every property described`, () => {
    const file = join(dir, ADDON_FILES.valuesSchema);
    expect(existsSync(file), `add ${rel}/${ADDON_FILES.valuesSchema}: what users may set in addons.${name}.values`).toBe(true);
    const schema = JSON.parse(readFileSync(file, "utf8"));
    expect(() => ajv.compile(schema), `${rel}/${ADDON_FILES.valuesSchema} compiles (ajv strict)`).not.toThrow();
    expect(schema.type, `${rel}/${ADDON_FILES.valuesSchema}: "type": "object"`).toBe("object");
    expect(schema.additionalProperties, `${rel}/${ADDON_FILES.valuesSchema}: "additionalProperties": false (a misspelt key is an error, not ignored)`).toBe(false);
    for (const [key, property] of Object.entries(schema.properties ?? {})) expect((property as { description?: string }).description, `${rel}/${ADDON_FILES.valuesSchema}: properties.${key}.description`).toBeTruthy();
  });

  test("2b. its required settings each give an example (settings.schema.json), which switching it on in tests uses", () => {
    const schema = loadCatalog().addons.get(name)!.settingsSchema as { required?: string[]; properties?: Record<string, { examples?: unknown[] }> } | undefined;
    for (const key of schema?.required ?? []) expect(schema?.properties?.[key]?.examples?.length, `${rel}/${ADDON_FILES.settingsSchema}: properties.${key}.examples, a value a test may switch it on with`).toBeGreaterThan(0);
  });

  test("3. its Pod Security level: restricted, or the level it needs and why", () => {
    const addon = loadCatalog().addons.get(name)!;
    if (!addon.podSecurity || addon.podSecurity.level === "restricted") return;
    expect(addon.podSecurity.reason, `${rel}/${ADDON_FILES.manifest}: podSecurity.reason starts with "${addon.podSecurity.level}:" and says which pods need it`).toMatch(new RegExp(`^${addon.podSecurity.level}: .{40,}`, "s"));
  });

  test("4. every custom resource it writes has a schema, from CRDs it or an add-on it depends on installs", () => {
    const catalog = loadCatalog();
    const addon = catalog.addons.get(name)!;
    const installed = new Set([addon, ...(addon.dependsOn ?? []).map((dependency) => catalog.addons.get(dependency)!)].flatMap((owner) => owner.crds ?? []));
    for (const [path, source] of [...addon.manifests, ...addon.configs]) {
      for (const { group, version, kind } of kindsWritten(source)) {
        if (BUILT_IN_GROUP.test(group)) continue;
        // A template guarded by (includes crds "<group>/<Kind>") writes it only where an enabled add-on installs it.
        const guarded = source.includes(`(includes crds "${group}/${kind}")`);
        expect(installed.has(`${group}/${kind}`) || guarded, `${rel}/${path}: ${group}/${kind} is in no crds: list of ${name} or of an add-on in its dependsOn (or guard the template with {{#if (includes crds "${group}/${kind}")}})`).toBe(true);
        const schema = `schema-sources/crds/${group}/${kind.toLowerCase()}_${version}.json`;
        expect(existsSync(join(repoRoot, schema)), `${rel}/${path}: ${kind} ${group}/${version} needs ${schema}, derived from the chart's CRDs (node scripts/derive-crd-schemas.mjs <CRD folder>, then npm run build:schemas)`).toBe(true);
      }
    }
  });

  test("5. its templates render valid YAML in every blueprint that offers it, engine by engine", async () => {
    const { renderBlueprint } = await import("../src/render-blueprint.js");
    const offeredBy = blueprintIds().filter((id) => loadBlueprint(id).offeredAddons.has(name));
    expect(offeredBy.length, `${rel}: no blueprint offers it (its requires: are capabilities none declares)`).toBeGreaterThan(0);
    let renders = 0;
    for (const id of offeredBy) {
      for (const gitops of ["flux", "argo"]) {
        const offer = loadBlueprint(id).offeredAddons.get(name)!;
        const values = offer.when === undefined ? { gitops, addons: { [name]: switchedOn(offer.addon), ...Object.fromEntries((offer.addon.dependsOn ?? []).map((dependency) => [dependency, switchedOn(loadCatalog().addons.get(dependency)!)])) } } : { gitops };
        let rendered;
        try {
          rendered = await renderBlueprint(id, { values }, { toolVersion: "0.0.0-test" });
        } catch {
          continue; // it may not run with this blueprint's defaults (test/addon-renders.test.ts covers where it may)
        }
        renders++;
        for (const [path, content] of rendered.tree) {
          if (!path.includes(`/${name}/`) || !path.endsWith(".yaml")) continue;
          for (const document of parseAllDocuments(content)) expect(document.errors, `${id} ${gitops}: ${path}`).toEqual([]);
        }
      }
    }
    expect(renders, `${rel}: renders with no blueprint's defaults (add a valid fixture that can run it)`).toBeGreaterThan(0);
  });
});
