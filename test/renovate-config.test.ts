/**
 * Every render has a renovate.json that Renovate accepts (its own JSON schema, derived from the renovate package by
 * scripts/derive-renovate-schema.mjs into test/fixtures/renovate/) and that reads every version the render pins: for
 * each pinned thing found in the files, the Renovate manager that updates that kind of thing must be given the file
 * (the configuration's managerFilePatterns, else the manager's default from the schema), and the custom manager for
 * the generator's own version must extract it wherever it is written.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { parseAllDocuments } from "yaml";
import { describe, expect, test } from "vitest";
import { defaults } from "../src/defaults.js";
import type { FileTree } from "../src/file-tree.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { fixturesDir, paramsFixtures } from "./helpers/fixtures.js";

type Json = Record<string, any>;

const schema = JSON.parse(readFileSync(join(fixturesDir, "renovate", "renovate-schema.json"), "utf8")) as Json;
const validateConfig = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);

const itemOptions = (definition: Json | undefined): string[] => Object.keys(definition?.items?.allOf?.[0]?.properties ?? {});

/**
 * What Renovate says of a configuration: its schema's errors, and the options it does not know (the schema lets any
 * key through; Renovate's own validation refuses an unknown option, as it refuses the `fileMatch` of older releases).
 */
function renovateProblems(config: Json): string[] {
  validateConfig(config);
  const problems = (validateConfig.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
  const options = new Set(Object.keys(schema.properties));
  const unknown = (where: string, object: Json, allowed: Set<string>) => {
    for (const key of Object.keys(object)) if (key !== "$schema" && !allowed.has(key)) problems.push(`${where}${key}: not a Renovate option`);
  };
  unknown("", config, options);
  for (const [key, value] of Object.entries(config)) {
    if (schema.definitions[key]?.items && value && typeof value === "object" && !Array.isArray(value)) unknown(`${key}.`, value, new Set([...options, ...itemOptions(schema.definitions[key])]));
  }
  for (const [i, rule] of (config.packageRules ?? []).entries()) unknown(`packageRules[${i}].`, rule, new Set([...options, ...itemOptions(schema.definitions.packageRules)]));
  for (const [i, manager] of (config.customManagers ?? []).entries()) unknown(`customManagers[${i}].`, manager, new Set(itemOptions(schema.definitions.customManagers)));
  return problems;
}

/** A managerFilePatterns entry as Renovate reads it: `/regex/` (the only form these configurations use). */
function patternOf(entry: string): RegExp {
  const regex = /^\/(.*)\/$/.exec(entry);
  if (!regex) throw new Error(`${entry}: a glob; write managerFilePatterns as /regex/ so that this test can read them`);
  return new RegExp(regex[1]!);
}

/** The files a manager reads: the configuration's patterns, else its default in Renovate's schema. */
function managerReads(config: Json, manager: string, file: string): boolean {
  const patterns: string[] = config[manager]?.managerFilePatterns ?? schema.definitions[manager]?.default?.managerFilePatterns ?? [];
  return patterns.some((pattern) => patternOf(pattern).test(file));
}

/** The generator's versions the custom managers extract from the render's files: [file, currentValue]. */
function customExtracts(config: Json, tree: FileTree): Array<[string, string, string]> {
  const found: Array<[string, string, string]> = [];
  for (const manager of config.customManagers ?? []) {
    for (const [file, content] of tree) {
      if (!manager.managerFilePatterns.some((pattern: string) => patternOf(pattern).test(file))) continue;
      for (const matchString of manager.matchStrings) {
        for (const match of content.matchAll(new RegExp(matchString, "g"))) found.push([file, manager.depNameTemplate ?? match.groups!.depName!, match.groups!.currentValue!]);
      }
    }
  }
  return found;
}

const yamlObjects = (tree: FileTree) =>
  [...tree]
    .filter(([path]) => /\.ya?ml$/.test(path) && !path.startsWith("."))
    .flatMap(([file, content]) => parseAllDocuments(content).map((document) => ({ file, object: document.toJS() as Json })).filter(({ object }) => object?.kind));

test("the derived schema is Renovate's, and it refuses what Renovate refuses", () => {
  expect(schema.$comment).toMatch(/renovate@\d+\.\d+\.\d+ \(licence AGPL-3\.0-only\)/);
  expect(renovateProblems({ flux: { managerFilePatterns: ["/x/"] }, packageRules: [{ matchPackageNames: ["x"], groupName: "x" }] })).toEqual([]);
  // fileMatch is gone from Renovate 44 (managerFilePatterns replaced it); an option must exist; a custom manager has a known type.
  expect(renovateProblems({ flux: { fileMatch: ["x"] } })).toEqual(["flux.fileMatch: not a Renovate option"]);
  expect(renovateProblems({ notAnOption: true })).toEqual(["notAnOption: not a Renovate option"]);
  expect(renovateProblems({ customManagers: [{ customType: "shell", managerFilePatterns: ["/x/"], matchStrings: ["x"] }] }).length).toBeGreaterThan(0);
});

describe.each(paramsFixtures("valid").map((fixture) => [fixture.name, fixture] as const))("%s: renovate.json", (_, fixture) => {
  let rendered: ReturnType<typeof renderBlueprint> | undefined;
  const render = async () => {
    const { tree, context } = await (rendered ??= renderBlueprint(fixture.blueprint, { values: { ...fixture.params, addons: { monitoring: { enabled: true } } } }, { toolVersion: "0.0.0-test" }));
    return { tree, context, config: JSON.parse(tree.get("renovate.json")!) as Json };
  };

  test("is valid against Renovate's schema, with only options Renovate knows", async () => {
    const { config } = await render();
    expect(renovateProblems(config)).toEqual([]);
  });

  test("gives each Helm chart, and the Flux or Argo CD sources, to the manager that updates them", async () => {
    const { tree, context, config } = await render();
    const objects = yamlObjects(tree);
    const charts = objects.filter(({ object }) => object.kind === "HelmRelease" || object.kind === "HelmRepository" || object.kind === "OCIRepository" || (object.kind === "Application" && object.spec?.source?.targetRevision));
    expect(charts.length).toBeGreaterThan(0);
    for (const { file, object } of charts) {
      expect(managerReads(config, context.gitops.flux ? "flux" : "argocd", file), `${file}: ${object.kind} ${object.metadata.name}`).toBe(true);
      // Renovate links a HelmRelease to its HelmRepository by namespace: both say theirs.
      if (object.kind === "HelmRelease" || object.kind === "HelmRepository") expect(object.metadata.namespace, `${file}: metadata.namespace`).toBeTruthy();
    }
    for (const { object } of charts.filter(({ object }) => object.kind === "HelmRelease")) expect(object.spec.chart.spec.version).toMatch(/^v?\d+\.\d+\.\d+/);
  });

  test("gives every container image, Terraform provider and CI action to the manager that updates it", async () => {
    const { tree, context, config } = await render();
    for (const [file, content] of tree) {
      if (file.startsWith(".") && !/^\.(github|gitlab-ci)/.test(file)) continue;
      if (/^\s*-?\s*image:\s*\S/m.test(content) && !file.startsWith(".") && file !== defaults.answersFile) {
        const readers = ["kubernetes", ...(context.gitops.flux && content.includes("kind: HelmRelease") ? ["flux"] : [])];
        expect(readers.some((manager) => managerReads(config, manager, file)), `${file}: its images`).toBe(true);
      }
      if (/required_providers\s*\{/.test(content)) expect(managerReads(config, "terraform", file), `${file}: its providers`).toBe(true);
      for (const uses of content.matchAll(/uses:\s*(\S+)@(\S+)(.*)$/gm)) {
        expect(managerReads(config, "github-actions", file), `${file}: ${uses[1]}`).toBe(true);
        // A SHA pin that Renovate updates carries the tag it stands for.
        if (/^[0-9a-f]{40}$/.test(uses[2]!)) expect(uses[3], `${file}: ${uses[1]}@${uses[2]} says its tag`).toMatch(/^ # v?\d+/);
      }
      if (file === ".gitlab-ci.yml") expect(managerReads(config, "gitlabci", file)).toBe(true);
    }
    expect(tree.has("terraform/versions.tf") || [...tree.keys()].some((file) => file.endsWith(".tf"))).toBe(true);
  });

  test("reads the images the answers file sets (as the manifests rendered from them do), so that a bump leaves no drift", async () => {
    const { tree, config } = await render();
    const extracted = customExtracts(config, tree).filter(([file]) => file === defaults.answersFile);
    const images = [...tree.get(defaults.answersFile)!.matchAll(/^\s*\w*[iI]mage: "?([^"\s]+):([^"\s:]+)"?$/gm)].map((match) => [match[1], match[2]]);
    for (const image of images) expect(extracted.map(([, dep, value]) => [dep, value]), image.join(":")).toContainEqual(image);
  });

  test("reads the generator's own version wherever the render pins it (answers file, CI, README), from npm", async () => {
    const { tree, config } = await render();
    const extracted = customExtracts(config, tree);
    const places = [...tree].filter(([, content]) => content.includes(`${defaults.toolName}@0.0.0-test`)).map(([file]) => file);
    expect(places.length).toBeGreaterThan(0);
    for (const file of [defaults.answersFile, ...places]) {
      expect(extracted.filter(([where]) => where === file).map(([, dep, value]) => [dep, value]), file).toContainEqual([defaults.toolName, "0.0.0-test"]);
    }
    expect(extracted.filter(([, dep]) => dep === defaults.toolName).every(([, , value]) => value === "0.0.0-test")).toBe(true);
    expect(config.customManagers.find((manager: Json) => manager.depNameTemplate === defaults.toolName).datasourceTemplate).toBe("npm");
  });
});
