/**
 * `validate` of the Flux Operator's own kinds (issue 23: controlplaneio-fluxcd/d2-fleet had 12 "no schema for
 * fluxcd.controlplane.io/v1 FluxInstance / ResourceSet"), through the CLI's own entry. The corpus folder
 * test/fixtures/real-world/flux-operator-kinds is written by hand from the constructs such repositories use (a
 * FluxInstance that syncs the repository, tenants as a ResourceSet fed by a ResourceSetInputProvider). The schemas are
 * derived from the operator's CRDs (schema-sources/crds/fluxcd.controlplane.io) and ship in a validator bundle of
 * their own, which a repository without those kinds never loads.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { spawnCli, tempDir } from "./helpers/cli.js";
import { fixturesDir, repoRoot } from "./helpers/fixtures.js";
import { copyOfCase, editCase, validateJson } from "./helpers/corpus-copy.js";

const corpus = join(fixturesDir, "real-world");
const GROUP = "fluxcd.controlplane.io";

interface JsonReport {
  problems: { file: string; line?: number; rule: string; message: string; path?: string | null }[];
  resources: { file: string; line: number | null; validator: string; status: string; resource: string | null }[];
}

const copyOf = (name: string): string => copyOfCase(name, "ccr-flux-operator-kinds-");

const edit = (dir: string, file: string, from: string, to: string): number => editCase(dir, file, from, to, true);

const validate = (dir: string, args: string[] = []) => validateJson<JsonReport>(dir, args);

const embeddedKinds = () =>
  JSON.parse(readFileSync(join(repoRoot, "schemas", "kubernetes", "index.json"), "utf8")).kinds as Record<string, Record<string, { bundle: string }>>;

describe("the Flux Operator's kinds (fluxcd.controlplane.io) are validated against their CRDs", () => {
  test("FluxInstance, ResourceSet and ResourceSetInputProvider are checked and valid, with --strict too", async () => {
    const dir = copyOf("flux-operator-kinds");
    for (const args of [[], ["--strict"]]) {
      const { status, report } = await validate(dir, args);
      expect(report.problems, args.join(" ")).toEqual([]);
      expect(status).toBe(0);
      const operatorKinds = report.resources.filter((unit) => unit.validator === "kubernetes" && /^(FluxInstance|ResourceSet|ResourceSetInputProvider) /.test(unit.resource ?? ""));
      expect(operatorKinds.map((unit) => [unit.file, unit.resource, unit.status])).toEqual([
        ["clusters/lab/flux-instance.yaml", "FluxInstance flux-system/flux", "valid"],
        ["clusters/lab/tenants.yaml", "ResourceSetInputProvider flux-system/tenants", "valid"],
        ["clusters/lab/tenants.yaml", "ResourceSet flux-system/tenants", "valid"],
      ]);
    }
  });

  test("a mistake in each is reported at its line: enums of FluxInstance and ResourceSet, an unknown field under --strict", async () => {
    const dir = copyOf("flux-operator-kinds");
    const size = edit(dir, "clusters/lab/flux-instance.yaml", "size: small", "size: tiny");
    const strategy = edit(dir, "clusters/lab/tenants.yaml", "name: Flatten", "name: Cartesian");
    const field = edit(dir, "clusters/lab/tenants.yaml", "      ready: true", "      readyExpresion: status.ready");
    const provider = edit(dir, "clusters/lab/tenants.yaml", "type: Static", "type: GitHubRelease");
    const { status, report } = await validate(dir, ["--strict"]);
    expect(status).toBe(1);
    expect(report.problems.map((problem) => [problem.rule, problem.file, problem.line, problem.path])).toEqual([
      ["k8s-schema", "clusters/lab/flux-instance.yaml", size, "spec.cluster.size"],
      ["k8s-schema", "clusters/lab/tenants.yaml", provider, "spec.type"],
      ["k8s-unknown-field", "clusters/lab/tenants.yaml", field, "spec.dependsOn[0]"],
      ["k8s-schema", "clusters/lab/tenants.yaml", strategy, "spec.inputStrategy.name"],
    ]);
    expect(report.problems[0]!.message).toBe('spec.cluster.size must be one of "small", "medium", "large"');
    // Without --strict the unknown field is no error; the enums still are.
    const lax = await validate(dir);
    expect(lax.report.problems.map((problem) => problem.line)).toEqual([size, provider, strategy]);
  });

  test("every kind of the group ships in its own bundle, apart from Flux's and the common kinds", () => {
    const kinds = embeddedKinds();
    const operator = Object.entries(kinds).filter(([groupVersion]) => groupVersion.startsWith(`${GROUP}/`));
    expect(operator.flatMap(([groupVersion, byKind]) => Object.keys(byKind).map((kind) => `${groupVersion} ${kind}`)).sort()).toEqual([
      "fluxcd.controlplane.io/v1 FluxInstance",
      "fluxcd.controlplane.io/v1 FluxReport",
      "fluxcd.controlplane.io/v1 ResourceSet",
      "fluxcd.controlplane.io/v1 ResourceSetInputProvider",
    ]);
    for (const [, byKind] of operator) for (const { bundle } of Object.values(byKind)) expect(bundle).toBe(GROUP);
    const elsewhere = Object.entries(kinds).filter(([groupVersion]) => !groupVersion.startsWith(`${GROUP}/`));
    expect(elsewhere.flatMap(([groupVersion, byKind]) => Object.entries(byKind).filter(([, { bundle }]) => bundle === GROUP).map(([kind]) => `${groupVersion} ${kind}`))).toEqual([]);
  });

  test("the built CLI loads that bundle only for a repository that writes those kinds", async () => {
    // A module resolve hook (node:module register) lists every validator bundle the process imports, a preload every one it reads.
    const work = tempDir("ccr-flux-operator-bundles-");
    const hook = join(work, "hook.mjs");
    writeFileSync(
      hook,
      `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.includes("/schemas/kubernetes/validators/")) appendFileSync(process.env.CCR_LOADED_BUNDLES, resolved.url.slice(resolved.url.lastIndexOf("/") + 1) + "\\n");
  return resolved;
}
`,
    );
    writeFileSync(join(work, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
    // A bundle of the usual shape is read and run as a script (src/code-cache.ts), not imported: its read is listed too.
    writeFileSync(
      join(work, "reads.cjs"),
      `const fs = require("node:fs");
const read = fs.readFileSync;
fs.readFileSync = function (path, ...rest) {
  if (typeof path === "string" && path.includes("/schemas/kubernetes/validators/")) fs.appendFileSync(process.env.CCR_LOADED_BUNDLES, path.slice(path.lastIndexOf("/") + 1) + "\\n");
  return read.call(this, path, ...rest);
};
require("node:module").syncBuiltinESMExports();
`,
    );
    const loaded = async (name: string): Promise<string[]> => {
      const log = join(work, `${name}.log`);
      writeFileSync(log, "");
      const run = await spawnCli(["validate", "--strict", "."], {
        cwd: join(corpus, name),
        env: { NODE_OPTIONS: `--require ${join(work, "reads.cjs")} --import ${pathToFileURL(join(work, "register.mjs")).href}`, CCR_LOADED_BUNDLES: log, GITHUB_BASE_REF: "" },
      });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      return [...new Set(readFileSync(log, "utf8").split("\n").filter(Boolean))].sort();
    };
    // The hook sees the bundles: Flux's loads in both; the operator's only where a FluxInstance is.
    expect(await loaded("flux-operator-kinds")).toEqual(expect.arrayContaining(["flux.strict.mjs", `${GROUP}.strict.mjs`]));
    const withoutOperator = await loaded("flux-parent-patches");
    expect(withoutOperator).toContain("flux.strict.mjs");
    expect(withoutOperator.filter((file) => file.startsWith(GROUP))).toEqual([]);
  });
});
