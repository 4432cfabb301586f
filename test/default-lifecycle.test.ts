import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { defaultParams } from "../src/params/parse.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { repoRoot } from "./helpers/fixtures.js";

/**
 * The defaults a blueprint pins (Kubernetes versions, images, the examples of terraform.tfvars.example) are
 * supported on the day this test runs: each blueprint's lifecycle.yaml gives their end of life with its source, and
 * the test reads the date from the clock, so a default past its end fails the suite on the first run after it.
 */

interface Entry {
  parameter?: string;
  file?: string;
  params?: Record<string, unknown>;
  value: string;
  endOfLife: string | null;
  source: string;
}
interface NotTracked {
  parameter?: string;
  file?: string;
  params?: Record<string, unknown>;
  reason: string;
}
interface Lifecycle {
  defaults: Entry[];
  notTracked: NotTracked[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function lifecycleOf(id: string): Lifecycle {
  const file = join(repoRoot, "blueprints", id, "lifecycle.yaml");
  expect(existsSync(file), `add blueprints/${id}/lifecycle.yaml (see docs/BLUEPRINT-GUIDE.md)`).toBe(true);
  const data = parseYaml(readFileSync(file, "utf8")) as Lifecycle;
  return { defaults: data.defaults ?? [], notTracked: data.notTracked ?? [] };
}

function valueAt(object: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<any>((value, key) => (value == null ? undefined : value[key]), object);
}

/**
 * Parameters that pin something with a lifecycle: `kubernetesVersion`, and every `image`, at any depth of objects.
 * Add-on values (`addons.*`) default in the catalog, not in the blueprint: where a blueprint enables an add-on, its
 * lifecycle.yaml holds the image by the file it is rendered to.
 */
function pinnedParameters(schema: any, prefix = ""): string[] {
  return Object.entries<any>(schema.properties ?? {}).flatMap(([key, sub]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (path === "addons") return [];
    if (sub.type === "object") return pinnedParameters(sub, path);
    return (key === "kubernetesVersion" || key === "image") && sub.type === "string" ? [path] : [];
  });
}

/** End of the given day, UTC: a default is past its end of life from the day after. */
const endOfDay = (day: string) => new Date(`${day}T23:59:59.999Z`);

describe.each(blueprintIds())("blueprint %s: the defaults it pins are supported today", (id) => {
  const lifecycle = lifecycleOf(id);
  const blueprint = loadBlueprint(id);
  const defaults = defaultParams(blueprint);

  test("every entry says until when, and where that comes from", () => {
    expect(lifecycle.defaults.length + lifecycle.notTracked.length).toBeGreaterThan(0);
    for (const entry of lifecycle.defaults) {
      const what = entry.parameter ?? `${entry.file} ${JSON.stringify(entry.params ?? {})}`;
      expect(entry.parameter === undefined, `${what}: give parameter or file, not both`).toBe(entry.file !== undefined);
      expect(entry.source?.length, `${what}: name the source of the date`).toBeGreaterThan(10);
      // No date only for an empty default, which leaves the version to the cloud.
      if (entry.endOfLife === null) expect(entry.value, `${what}: give endOfLife`).toBe("");
      else expect(entry.endOfLife, `${what}: endOfLife as YYYY-MM-DD`).toMatch(DAY);
    }
    for (const item of lifecycle.notTracked) expect(item.reason?.length, `${item.parameter ?? item.file}: say why it is not tracked`).toBeGreaterThan(20);
  });

  test("every pinned Kubernetes version and image is listed, and each entry describes today's default", async () => {
    const listed = new Set([...lifecycle.defaults, ...lifecycle.notTracked].flatMap((entry) => (entry.parameter ? [entry.parameter] : [])));
    for (const parameter of pinnedParameters(blueprint.paramsSchema)) {
      expect(listed.has(parameter), `blueprints/${id}/lifecycle.yaml: list ${parameter} (default ${JSON.stringify(valueAt(defaults, parameter))}) under defaults, or under notTracked with the reason`).toBe(true);
    }
    for (const entry of lifecycle.defaults) {
      if (entry.parameter) {
        expect(valueAt(defaults, entry.parameter), `${entry.parameter}: the default changed; update blueprints/${id}/lifecycle.yaml with its end of life`).toBe(entry.value);
      } else {
        const { tree } = await renderBlueprint(id, { values: entry.params ?? {} }, { toolVersion: "0.0.0-lifecycle" });
        expect(tree.get(entry.file!), `${entry.file} is rendered`).toBeDefined();
        expect(tree.get(entry.file!), `${entry.file} (${JSON.stringify(entry.params)}) no longer holds ${entry.value}; update blueprints/${id}/lifecycle.yaml`).toContain(entry.value);
      }
    }
  });

  test("no default is past its end of life on the day the test runs", () => {
    const today = new Date();
    const past = lifecycle.defaults
      .filter((entry) => entry.endOfLife !== null && endOfDay(entry.endOfLife) < today)
      .map((entry) => `${entry.parameter ?? entry.file}: ${entry.value} reached its end of life on ${entry.endOfLife} (${entry.source}); move the default to a supported release and update blueprints/${id}/lifecycle.yaml`);
    expect(past).toEqual([]);
  });
});

test("the end-of-life check fails for a date that has passed and holds for one to come (it reads the clock)", () => {
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
  expect(endOfDay(day(-2)) < new Date()).toBe(true);
  expect(endOfDay(day(0)) < new Date()).toBe(false);
  expect(endOfDay(day(2)) < new Date()).toBe(false);
});
