import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { patchDirectives } from "../src/fleet/values-layers.js";
import { loadBlueprint } from "../src/blueprints/load.js";
import { parseParams } from "../src/params/parse.js";
import { switchedOnWithDependencies } from "./helpers/addon-settings.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { git, read } from "./helpers/fleet-builds.js";

const catalog = loadCatalog();
const ids = blueprintIds();
/** The first key path of a values schema that takes any keys with any values (an object without properties): where the test writes its keys, which the schema lets through. */
function freeObject(schema: any, path: string[] = []): string[] | undefined {
  if (!schema || typeof schema !== "object") return undefined;
  if (path.length > 0 && schema.type === "object" && !schema.properties && (schema.additionalProperties === undefined || schema.additionalProperties === true)) return path;
  for (const [key, value] of Object.entries(schema.properties ?? {})) {
    const found = freeObject(value, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
/** An add-on stg's blueprint (the second) offers, with a chart, whose values take a free-form object, and that parses when switched on with what it depends on. */
function freeFormAddon(engine: string) {
  const blueprint = loadBlueprint(ids[1 % ids.length]!);
  const found = [...catalog.addons.values()]
    .filter((entry) => entry.chart && blueprint.offeredAddons.has(entry.name) && freeObject(entry.valuesSchema))
    .filter((entry) => !parseParams({ values: { gitops: engine, clusterName: "stg", addons: switchedOnWithDependencies(catalog, entry.name) } }, blueprint).errors)
    .sort((a, b) => a.name.localeCompare(b.name))[0];
  expect(found).toBeDefined();
  return found!;
}
/** Values with `leaf` at `path`. */
const at = (path: string[], leaf: Record<string, unknown>): Record<string, unknown> => path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), leaf);

test("patchDirectives names the nulls and the $-keys of a cluster's values, in mappings and in lists", () => {
  expect(patchDirectives({ a: { b: null, c: 1 }, $patch: "delete", l: [{ $retainKeys: ["x"] }, 2], ok: { d: [null] } })).toEqual([
    { path: "a.b", kind: "null" },
    { path: "$patch", kind: "directive" },
    { path: "l[0].$retainKeys", kind: "directive" },
  ]);
  expect(patchDirectives({ a: { b: "", c: false, d: 0 } })).toEqual([]);
});

describe.each(["flux", "argo"] as const)("a cluster's own value kustomize would read as a patch directive (%s)", (engine) => {
  const work = tempDir(`ccr-fleet-directives-${engine}-`);
  const dir = join(work, "repo");
  let addon = "";
  let path: string[] = [];

  beforeAll(async () => {
    expect((await runCli(["-b", ids[0]!, "-y", "--gitops", engine, "--set", "clusterName=prod", "--set", "repoUrl=https://github.com/acme/fleet.git", dir])).status).toBe(0);
    expect((await runCli(["add-cluster", "stg", "--blueprint", ids[1 % ids.length]!, dir])).status).toBe(0);
    git(dir, "checkout", "-q", "main");
    git(dir, "merge", "-q", "--ff-only", "create-cluster-repo/add-cluster-stg");
    git(dir, "branch", "-q", "-D", "create-cluster-repo/add-cluster-stg");
    const found = freeFormAddon(engine);
    [addon, path] = [found!.name, freeObject(found!.valuesSchema)!];
  }, 120_000);

  const unchanged = () => {
    const head = git(dir, "rev-parse", "HEAD");
    return () => expect([git(dir, "rev-parse", "HEAD"), git(dir, "status", "--porcelain"), git(dir, "branch", "--list", "create-cluster-repo/*")]).toEqual([head, "", ""]);
  };

  test("update and add-cluster refuse a null and a $-key with what, where and how to fix it; nothing is written", async () => {
    const check = unchanged();
    const valuesFile = join(work, "values.yaml");
    const addons = switchedOnWithDependencies(catalog, addon);
    addons[addon] = { ...(addons[addon] as object), values: at(path, { gone: null, $patch: "replace" }) };
    writeFileSync(valuesFile, stringify({ addons }));
    const key = `addons.${addon}.values.${path.join(".")}`;
    const update = await runCli(["update", "--cluster", "stg", "--values", valuesFile, dir]);
    expect(update.status).toBe(2);
    expect(update.stderr).toContain(`${key}.gone: null (fleet/stg/cluster-repo.yaml or --set): in a fleet this cluster's values are a kustomize patch`);
    expect(update.stderr).toContain(`${key}.$patch (fleet/stg/cluster-repo.yaml or --set)`);
    expect(update.stderr).toContain("remove it, or set the value the chart should take");
    check();
    const added = await runCli(["add-cluster", "eu", "--blueprint", ids[1 % ids.length]!, "--values", valuesFile, dir]);
    expect(added.status).toBe(2);
    expect(added.stderr).toContain(`${key}.gone: null (fleet/eu/cluster-repo.yaml or --set)`);
    check();
  });

  test("validate names one in an answers file edited by hand", async () => {
    const answers = parseYaml(read(dir, "fleet/stg/cluster-repo.yaml"));
    answers.params.addons = switchedOnWithDependencies(catalog, addon, answers.params.addons ?? {});
    answers.params.addons[addon] = { ...answers.params.addons[addon], values: at(path, { gone: null }) };
    writeFileSync(join(dir, "fleet/stg/cluster-repo.yaml"), stringify(answers));
    const validate = await runCli(["validate", dir]);
    git(dir, "checkout", "-q", "--", "fleet/stg/cluster-repo.yaml");
    expect(validate.status).toBe(1);
    expect(validate.stdout).toContain(`addons.${addon}.values.${path.join(".")}.gone of stg: in a fleet its values are a kustomize patch, and this is a null`);
  });
});

describe.each(["flux", "argo"] as const)("a fleet's check and plan --all when one cluster's answers file holds a null (%s)", (engine) => {
  const work = tempDir(`ccr-fleet-verdicts-${engine}-`);
  const dir = join(work, "repo");
  let addon = "";
  let key = "";
  /** Every update branch merged into main, as a team merges the pull requests. */
  const mergeUpdates = () => {
    git(dir, "checkout", "-q", "main");
    for (const branch of git(dir, "branch", "--list", "--format=%(refname:short)", "create-cluster-repo/*").split("\n").filter(Boolean)) {
      git(dir, "merge", "-q", "--no-edit", branch);
      git(dir, "branch", "-q", "-D", branch);
    }
  };

  beforeAll(async () => {
    expect((await runCli(["-b", ids[0]!, "-y", "--gitops", engine, "--set", "clusterName=prod", "--set", "repoUrl=https://github.com/acme/fleet.git", dir])).status).toBe(0);
    expect((await runCli(["add-cluster", "stg", "--blueprint", ids[1 % ids.length]!, dir])).status).toBe(0);
    mergeUpdates();
    const found = freeFormAddon(engine);
    addon = found!.name;
    key = `addons.${addon}.values.${freeObject(found!.valuesSchema)!.join(".")}`;
    // stg switches the add-on on as a team does (update, merged), and the first cluster takes over its shared base.
    const valuesFile = join(work, "switched-on.yaml");
    writeFileSync(valuesFile, stringify({ addons: switchedOnWithDependencies(catalog, addon) }));
    expect((await runCli(["update", "--cluster", "stg", "--values", valuesFile, dir])).status).toBe(0);
    mergeUpdates();
    expect((await runCli(["update", dir])).status).toBe(0);
    mergeUpdates();
    expect((await runCli(["check", dir])).status).toBe(0);
    // Then someone gives stg's own values a null by hand.
    const answers = parseYaml(read(dir, "fleet/stg/cluster-repo.yaml"));
    answers.params.addons[addon] = { ...answers.params.addons[addon], values: at(freeObject(found!.valuesSchema)!, { gone: null }) };
    writeFileSync(join(dir, "fleet/stg/cluster-repo.yaml"), stringify(answers));
  }, 240_000);

  const stgVerdict = (stdout: string) => {
    expect(stdout).toContain("== cluster stg (staging), fleet/stg/ ==\nCannot render this cluster from its answers file: invalid parameters (1 problem):\n");
    expect(stdout).toContain(`${key}.gone: null (fleet/stg/cluster-repo.yaml or --set): in a fleet this cluster's values are a kustomize patch`);
    expect(stdout).toContain("remove it, or set the value the chart should take");
  };

  test("check: stg fails naming the key, its answers file and the fix; prod is still checked; exit 1 (a failed check)", async () => {
    const check = await runCli(["check", dir]);
    stgVerdict(check.stdout);
    expect(check.stdout).toContain("== cluster prod (production) ==\nAll generated files match the answers file.\n");
    expect(check.status).toBe(1);
    // One cluster asked for alone: bad input, as before.
    const alone = await runCli(["check", "--cluster", "stg", dir]);
    expect([alone.status, alone.stderr]).toEqual([2, expect.stringContaining(`${key}.gone: null (fleet/stg/cluster-repo.yaml`)]);
  });

  test("plan --all: stg's verdict, prod's plan; -o json gives stg an error and no plan; exit 1", async () => {
    const plan = await runCli(["plan", "--all", dir]);
    stgVerdict(plan.stdout);
    expect(plan.stdout).toMatch(/== cluster prod \(production\) ==\nNo parameter changes\./);
    expect(plan.status).toBe(1);
    const json = await runCli(["plan", "--all", "-o", "json", dir]);
    expect(json.status).toBe(1);
    const results = JSON.parse(json.stdout) as Array<{ cluster: string; plan: unknown; error?: string }>;
    expect(results.map((r) => [r.cluster, r.plan === null, r.error?.includes(`${key}.gone: null (fleet/stg/cluster-repo.yaml`) ?? false])).toEqual([
      ["stg", true, true],
      ["prod", false, false],
    ]);
  });
});
