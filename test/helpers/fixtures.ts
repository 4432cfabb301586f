import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const fixturesDir = join(repoRoot, "test", "fixtures");
/** The team's shared material beside the project; tests that use it skip when it is absent. */
export const sharedDir = join(repoRoot, "..", "shared");

export interface ParamsFixture {
  name: string;
  blueprint: string;
  params: Record<string, unknown>;
  /** Invalid fixtures: the rule named on the first line (`# rule: <name>`). */
  rule?: string;
}

/** Discovers `test/fixtures/params/<kind>/*.yaml`, sorted: dropping a file in adds a test case. */
export function paramsFixtures(kind: "valid" | "invalid"): ParamsFixture[] {
  const dir = join(fixturesDir, "params", kind);
  return readdirSync(dir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      const data = parseYaml(text) as { blueprint: string; params?: Record<string, unknown> };
      const rule = /^#\s*rule:\s*(\S+)/.exec(text)?.[1];
      return { name: file.replace(/\.yaml$/, ""), blueprint: data.blueprint, params: data.params ?? {}, rule };
    });
}

/** The forge a fixture renders for (its `forge`, else the one of its repoUrl's host), as the parameter parser decides it. */
export async function fixtureForge(fixture: ParamsFixture): Promise<string> {
  const { loadBlueprint } = await import("../../src/blueprints/load.js");
  const { parseParams } = await import("../../src/params/parse.js");
  return parseParams({ values: fixture.params }, loadBlueprint(fixture.blueprint)).params?.forge ?? "github";
}
