/**
 * Schema patterns from --crd and --schema-location (issue 13 point 4, issue 14's regular-expression case) run on RE2:
 * Go syntax compiles, no pattern can hang validation, a pattern RE2 cannot compile is skipped with a warning that
 * names the schema and the pattern. Schemas from those sources are kept compiled between runs (point 10). Runs the
 * built CLI with a generous kill timeout; no assertion on time.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { spawnCli, tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";
import { embeddedValidator } from "../src/validators/kubernetes/embedded.js";
import { bindValidators, type ValidatorModuleFactory } from "../src/validators/kubernetes/schema-runtime.js";

interface JsonReport {
  summary: { resources: number; valid: number; invalid: number; errors: number; skipped: number };
  problems: { line?: number; rule: string; message: string; severity: string; path?: string }[];
}

const dir = tempDir("ccr-patterns-");
const cacheHome = join(dir, "cache");
/** A string `^(a+)+$` nearly matches: a backtracking engine tries every way to split it before failing. */
const EVIL_VALUE = `${"a".repeat(30_000)}b`;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: rules.monitoring.example.com}
spec:
  group: monitoring.example.com
  names: {kind: Rule, plural: rules}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                severity: {type: string, pattern: "(?i)^(critical|warning|info)$"}
                summary: {type: string, pattern: "^\\\\PC*$"}
                team: {type: string, pattern: "^\\\\pL[\\\\pL\\\\pN_-]*$"}
                notForbidden: {type: string, pattern: "^(?!forbidden).*$"}
`;

/** The same constraints as a kubeconform-layout schema file. */
const LOCATION_SCHEMA = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        severity: { type: "string", pattern: "(?i)^(critical|warning|info)$" },
        notForbidden: { type: "string", pattern: "^(?!forbidden).*$" },
      },
    },
  },
};

/** Only the catastrophic pattern, so that nothing else in the schema can stop the run before it is matched. */
const BACKTRACK_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: backtracks.monitoring.example.com}
spec:
  group: monitoring.example.com
  names: {kind: Backtrack, plural: backtracks}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                nested: {type: string, pattern: "^(a+)+$"}
`;
const BACKTRACK_SCHEMA = { type: "object", properties: { spec: { type: "object", properties: { nested: { type: "string", pattern: "^(a+)+$" } } } } };

function rule(spec: Record<string, string>, kind = "Rule"): string {
  return `apiVersion: monitoring.example.com/v1\nkind: ${kind}\nmetadata: {name: r}\nspec:\n${Object.entries(spec)
    .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}\n`)
    .join("")}`;
}

async function validate(name: string, manifest: string, flags: string[], cache = cacheHome) {
  const file = join(dir, name);
  writeFileSync(file, manifest);
  const run = await spawnCli(["validate", "--no-gitops", "-o", "json", ...flags, file], { env: { XDG_CACHE_HOME: cache } });
  return { status: run.status, report: JSON.parse(run.stdout || "null") as JsonReport, stderr: run.stderr };
}

writeFileSync(join(dir, "crd.yaml"), CRD);
writeFileSync(join(dir, "backtrack-crd.yaml"), BACKTRACK_CRD);
const crdFlags = ["--crd", join(dir, "crd.yaml"), "--crd", join(dir, "backtrack-crd.yaml")];
const location = join(dir, "schemas");
for (const variant of ["standalone", "standalone-strict"]) {
  mkdirSync(join(location, `v1.36.0-${variant}`), { recursive: true });
  writeFileSync(join(location, `v1.36.0-${variant}`, "rule-monitoring-v1.json"), JSON.stringify(LOCATION_SCHEMA));
  writeFileSync(join(location, `v1.36.0-${variant}`, "backtrack-monitoring-v1.json"), JSON.stringify(BACKTRACK_SCHEMA));
}
const locationFlags = ["--kubernetes-version", "1.36.0", "--schema-location", location];

describe("schema patterns run on RE2", () => {
  test("Go-only syntax compiles and is enforced: (?i), \\PC, \\pL", async () => {
    const good = await validate("good.yaml", rule({ severity: "Critical", summary: "Disk almost full", team: "Équipe_2" }), crdFlags);
    expect(good.report.problems.filter((problem) => problem.severity === "error")).toEqual([]);
    expect(good.status).toBe(0);

    const bad = await validate("bad.yaml", rule({ severity: "fatal", summary: "bell \u0007", team: "2nd-team" }), crdFlags);
    expect(bad.status).toBe(1);
    expect(bad.report.problems.filter((problem) => problem.severity === "error").map((problem) => problem.path)).toEqual(["spec.severity", "spec.summary", "spec.team"]);
  });

  test.each([
    ["--crd", crdFlags],
    ["--schema-location", locationFlags],
  ])("a catastrophic-backtracking pattern from %s cannot hang validation", async (_source, flags) => {
    // spawnCli kills a run that hangs (status null): JavaScript's RegExp would still be backtracking then
    const { status, report } = await validate(`evil${flags[0]}.yaml`, rule({ nested: EVIL_VALUE }, "Backtrack"), flags);
    expect(status).toBe(1);
    expect(report.summary).toMatchObject({ resources: 1, invalid: 1 });
    expect(report.problems.filter((problem) => problem.severity === "error")).toEqual([
      expect.objectContaining({ rule: "k8s-schema", path: "spec.nested", message: 'spec.nested must match pattern "^(a+)+$"' }),
    ]);
    // a matching value of the same length is valid
    const fine = await validate(`fine${flags[0]}.yaml`, rule({ nested: "a".repeat(30_000) }, "Backtrack"), flags);
    expect(fine.status).toBe(0);
  });

  test.each([
    ["--crd", crdFlags],
    ["--schema-location", locationFlags],
  ])("a pattern RE2 cannot compile (from %s) is skipped with a warning naming schema and pattern, never an error", async (_source, flags) => {
    for (const extra of [[], ["--ignore-missing-schemas"]]) {
      const { status, report } = await validate(`lookahead${flags[0]}.yaml`, rule({ notForbidden: "forbidden-value", severity: "info" }), [...flags, ...extra]);
      expect(status).toBe(0);
      expect(report.summary).toMatchObject({ valid: 1, errors: 0, invalid: 0 });
      expect(report.problems).toEqual([expect.objectContaining({ severity: "warning", rule: "k8s-schema-pattern", line: 1 })]);
      const [warning] = report.problems;
      expect(warning?.message).toContain('pattern "^(?!forbidden).*$"');
      expect(warning?.message).toContain(flags[0] === "--crd" ? join(dir, "crd.yaml") : join(location, "v1.36.0-standalone", "rule-monitoring-v1.json"));
    }
  });
});

describe("compiled schemas are kept between runs", () => {
  const compiled = join(cacheHome, "create-cluster-repo", "compiled");
  const snapshot = () => Object.fromEntries(readdirSync(compiled).map((name) => [name, statSync(join(compiled, name)).mtimeMs]));

  test("a second run loads the compiled code instead of compiling again, with the same verdicts", async () => {
    const manifest = rule({ severity: "loud" });
    const first = await validate("cached.yaml", manifest, locationFlags);
    const before = snapshot();
    const modules = Object.keys(before).filter((name) => name.endsWith(".js"));
    expect(modules.length).toBeGreaterThan(0);
    expect(Object.keys(before).filter((name) => !name.endsWith(".js"))).toEqual([]); // no lock or temporary file left

    const second = await validate("cached.yaml", manifest, locationFlags);
    expect(snapshot()).toEqual(before);
    expect(second).toEqual(first);
    expect(second.status).toBe(1);
    expect(second.report.problems.map((problem) => [problem.severity, problem.path ?? null])).toEqual([
      ["warning", null], // the lookahead pattern: reported from the cached code as from a fresh compile
      ["error", "spec.severity"],
    ]);
  });

  test("a lock left by a run that was killed while compiling does not hold the next run back", async () => {
    const manifest = rule({ severity: "loud" });
    const ownCache = join(dir, "cache-lock");
    const ownCompiled = join(ownCache, "create-cluster-repo", "compiled");
    await validate("locked.yaml", manifest, locationFlags, ownCache);
    const [module] = readdirSync(ownCompiled);
    rmSync(join(ownCompiled, module!));
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid; // a process id that no longer runs
    writeFileSync(join(ownCompiled, `${module}.lock`), String(dead));
    // spawnCli kills a run that hangs: waiting for the lock to go stale would fail this
    const run = await validate("locked.yaml", manifest, locationFlags, ownCache);
    expect(run.status).toBe(1);
    expect(readdirSync(ownCompiled)).toEqual([module]);
  });

  test("a damaged cache entry is compiled again and replaced", async () => {
    const manifest = rule({ severity: "loud" });
    const ownCache = join(dir, "cache-damaged");
    const ownCompiled = join(ownCache, "create-cluster-repo", "compiled");
    await validate("damaged.yaml", manifest, locationFlags, ownCache);
    expect(readdirSync(ownCompiled)).toHaveLength(1);
    for (const name of readdirSync(ownCompiled)) writeFileSync(join(ownCompiled, name), "module.exports = (function bind( {", { mode: 0o600 });
    const run = await validate("damaged.yaml", manifest, locationFlags, ownCache);
    expect(run.status).toBe(1);
    expect(run.report.problems.map((problem) => [problem.severity, problem.path ?? null])).toEqual([
      ["warning", null],
      ["error", "spec.severity"],
    ]);
    for (const name of readdirSync(ownCompiled)) expect(readFileSync(join(ownCompiled, name), "utf8")).toMatch(/^\/\/ compiled by create-cluster-repo \(.*\) sha256:[0-9a-f]{64}\nmodule\.exports = validate\d+;/);
  });
});

describe("the embedded schema bundles", () => {
  const bundleDir = join(repoRoot, "schemas", "kubernetes", "validators");
  const bundles = readdirSync(bundleDir).filter((name) => name.endsWith(".mjs"));

  // A run compiles an embedded pattern on its first use only: this is what makes that safe.
  test.each(bundles)("%s: every pattern compiles with RE2", async (name) => {
    const module = (await import(pathToFileURL(join(bundleDir, name)).href)) as { default: ValidatorModuleFactory };
    const { validators, failures } = bindValidators(module.default, "eager");
    expect(Object.keys(validators).length).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });

  test("a pattern of an embedded schema, compiled on first use, still rejects and accepts", async () => {
    const validate = (await embeddedValidator("kustomize.toolkit.fluxcd.io/v1", "Kustomization", true))!;
    const kustomization = (interval: string) => ({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "apps", namespace: "flux-system" },
      spec: { interval, prune: true, sourceRef: { kind: "GitRepository", name: "flux-system" } },
    });
    expect(validate(kustomization("10m0s"))).toBe(true);
    expect(validate(kustomization("ten minutes"))).toBe(false);
    expect(validate.errors).toEqual([expect.objectContaining({ keyword: "pattern", instancePath: "/spec/interval" })]);
    expect(validate(kustomization("1h30m"))).toBe(true);
  });
});
