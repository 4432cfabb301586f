/**
 * The build parses the YAML data files the package ships (scripts/precompile-data.mjs); a run reads that parse instead
 * of parsing. Every shipped data file must be there, give exactly what the `yaml` library gives, and a text that is
 * not in the build (edited after it, a contributor's blueprint) is parsed at run time, never served stale.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { packageRoot } from "../src/_utils.js";
import { PARSED_DATA_PATH, builtParse, parseShippedYaml } from "../src/yaml/shipped-data.js";

const folders = (dir: string) => readdirSync(join(packageRoot, dir), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => `${dir}/${entry.name}`);
/** What the loaders read: blueprint.yaml and migrations.yaml, the catalog's own files and each add-on's addon.yaml. */
const dataFiles = [
  ...folders("blueprints").flatMap((dir) => ["blueprint.yaml", "migrations.yaml"].map((name) => `${dir}/${name}`)),
  "addons/catalog.yaml",
  "addons/migrations.yaml",
  ...folders("addons").map((dir) => `${dir}/addon.yaml`),
].filter((file) => existsSync(join(packageRoot, file)));

describe.skipIf(!existsSync(PARSED_DATA_PATH))("YAML data parsed at build time", () => {
  test("every blueprint.yaml, migrations.yaml and addon.yaml is in the build's output, as the yaml library parses it", () => {
    expect(dataFiles.filter((file) => file.endsWith("/blueprint.yaml")).length).toBeGreaterThan(1);
    expect(dataFiles.filter((file) => file.endsWith("/addon.yaml")).length).toBeGreaterThan(1);
    for (const file of dataFiles) {
      const text = readFileSync(join(packageRoot, file), "utf8");
      const built = builtParse(text);
      expect(built, `run \`npm run build\`: ${file} is parsed on every run`).not.toBeUndefined();
      expect(built, file).toStrictEqual(parse(text));
    }
  });

  test("each read is a fresh object: a caller that changes what it got changes no later read", () => {
    const text = readFileSync(join(packageRoot, dataFiles[0]!), "utf8");
    const first = parseShippedYaml(text) as Record<string, unknown>;
    first.id = "changed";
    expect((parseShippedYaml(text) as Record<string, unknown>).id).not.toBe("changed");
  });
});

test("a text not in the build's output (edited, or a contributor's) is parsed at run time", () => {
  const text = `id: edited-${Date.now()}\nversion: "1.0.0"\nwhen: 2026-01-01\n`;
  expect(builtParse(text)).toBeUndefined();
  expect(parseShippedYaml(text)).toStrictEqual(parse(text));
  expect(() => parseShippedYaml("a: [1,\n")).toThrow(); // a broken file fails as it did, with the yaml library's error
});
