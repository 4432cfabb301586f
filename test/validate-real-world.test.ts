/**
 * `validate` on layouts of real GitOps repositories, through the built CLI (run `npm run build` first). The corpus
 * in test/fixtures/real-world is written by hand from the constructs those repositories use; each case here failed
 * before the fix it names (a false alarm, or an error never reported) and passes after it.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCli, tempDir } from "./helpers/cli.js";
import { copyOfCase, editCase, validateJson } from "./helpers/corpus-copy.js";
import { fixturesDir } from "./helpers/fixtures.js";

const corpus = join(fixturesDir, "real-world");

interface JsonReport {
  valid: boolean;
  problems: { file: string; line?: number; rule: string; message: string; severity: string }[];
}

const copyOf = (name: string): string => copyOfCase(name, "ccr-real-world-");

const edit = editCase;

/** Makes `dir` the top level of a checkout: `.git` with a HEAD on `branch` (or detached) and an origin remote. */
function checkout(dir: string, origin: string, branch?: string, defaultBranch?: string): void {
  mkdirSync(join(dir, ".git", "refs", "remotes", "origin"), { recursive: true });
  writeFileSync(join(dir, ".git", "HEAD"), branch ? `ref: refs/heads/${branch}\n` : "5f0c1d3e2b4a69788796a5b4c3d2e1f0a9b8c7d6\n");
  writeFileSync(join(dir, ".git", "config"), `[core]\n\tbare = false\n[remote "origin"]\n\turl = ${origin}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`);
  if (defaultBranch) writeFileSync(join(dir, ".git", "refs", "remotes", "origin", "HEAD"), `ref: refs/remotes/origin/${defaultBranch}\n`);
}

const validate = (dir: string, args: string[] = [], env: Record<string, string> = {}) => validateJson<JsonReport>(dir, ["--strict", "--ignore-missing-schemas", ...args], env);

const rules = (report: JsonReport) => report.problems.map((problem) => [problem.rule, problem.file, problem.line]);

describe("the flux-system source of `flux bootstrap` and the Flux Operator (issue 13, point 1)", () => {
  test("Kustomizations of a repository not yet bootstrapped are valid, and a path typo in them is still reported", async () => {
    const dir = copyOf("flux-bootstrap");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);

    const line = edit(dir, "clusters/home/apps.yaml", "path: ./apps/web", "path: ./apps/wbe");
    const typo = await validate(dir);
    expect(typo.status).toBe(1);
    expect(rules(typo.report)).toEqual([["flux-path-missing", "clusters/home/apps.yaml", line]]);
    expect(typo.report.problems[0]!.message).toBe('spec.path "./apps/wbe" does not exist in the repository');
  });

  test("a source name other than the bootstrap one is still missing", async () => {
    const dir = copyOf("flux-bootstrap");
    const line = edit(dir, "clusters/home/infrastructure.yaml", "name: flux-system\n", "name: flux-sytem\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(rules(report)).toEqual([["flux-source-missing", "clusters/home/infrastructure.yaml", line]]);
    expect(report.problems[0]!.message).toContain("GitRepository flux-system/flux-sytem");
  });

  test("a FluxInstance's sync source is known, its path checked; a FluxInstance syncing an OCI artifact makes no GitRepository", async () => {
    const dir = copyOf("flux-operator");
    expect((await validate(dir)).status).toBe(0);

    const line = edit(dir, "clusters/lab/apps.yaml", "path: ./apps/lab", "path: ./apps/lob");
    const typo = await validate(dir);
    expect(rules(typo.report)).toEqual([["flux-path-missing", "clusters/lab/apps.yaml", line]]);

    edit(dir, "clusters/lab/apps.yaml", "path: ./apps/lob", "path: ./apps/lab");
    edit(dir, "clusters/lab/flux-instance.yaml", "kind: GitRepository\n    url: https://git.example.org/lab/cluster.git\n    ref: refs/heads/main", "kind: OCIRepository\n    url: oci://registry.example.org/lab/cluster\n    ref: latest");
    const oci = await validate(dir);
    expect(oci.status).toBe(1);
    expect(oci.report.problems.map((problem) => problem.rule)).toEqual(["flux-source-missing"]);
  });

  test("a FluxInstance at a tag: its files are not these, so its paths are not checked", async () => {
    const dir = copyOf("flux-operator");
    edit(dir, "clusters/lab/flux-instance.yaml", "ref: refs/heads/main", "ref: refs/tags/v1.4.0");
    edit(dir, "clusters/lab/apps.yaml", "path: ./apps/lab", "path: ./apps/only-in-v1.4.0");
    expect((await validate(dir)).report.problems).toEqual([]);
  });
});

describe("which Flux and Argo CD sources are this repository (issue 13, point 6)", () => {
  test("a tenant repository and an environment branch are not path-checked; this repository's typo is", async () => {
    const dir = copyOf("flux-tenants");
    // No checkout: the bootstrap source tells this repository's URL and branch.
    expect((await validate(dir)).report.problems).toEqual([]);
    // A checkout of main whose origin is the bootstrap URL, spelled another way.
    checkout(dir, "git@git.example.org:fleet/infra.git", "main");
    expect((await validate(dir)).report.problems).toEqual([]);

    const line = edit(dir, "clusters/prod/infrastructure.yaml", "path: ./infrastructure", "path: ./infrastucture");
    expect(rules((await validate(dir)).report)).toEqual([["flux-path-missing", "clusters/prod/infrastructure.yaml", line]]);
  });

  test("on the production branch, the production source is these files and the main one is not", async () => {
    const dir = copyOf("flux-tenants");
    edit(dir, "clusters/prod/infrastructure.yaml", "path: ./infrastructure", "path: ./infrastucture");
    checkout(dir, "https://git.example.org/fleet/infra", "production");
    const line = readFileSync(join(dir, "clusters/prod/production-branch.yaml"), "utf8").split("\n").findIndex((text) => text.includes("path: ./overlays/production")) + 1;
    expect(rules((await validate(dir)).report)).toEqual([["flux-path-missing", "clusters/prod/production-branch.yaml", line]]);
  });

  test("a working branch stands for the default branch the clone recorded; a pull request's checkout for its base", async () => {
    const dir = copyOf("flux-tenants");
    const line = edit(dir, "clusters/prod/infrastructure.yaml", "path: ./infrastructure", "path: ./infrastucture");
    checkout(dir, "https://git.example.org/fleet/infra", "fix-typo", "main");
    expect(rules((await validate(dir)).report)).toEqual([["flux-path-missing", "clusters/prod/infrastructure.yaml", line]]);

    checkout(dir, "https://git.example.org/fleet/infra");
    expect(rules((await validate(dir, [], { GITHUB_BASE_REF: "main" })).report)).toEqual([["flux-path-missing", "clusters/prod/infrastructure.yaml", line]]);
  });

  test("a fork (remotes no source names) is known by its bootstrap source; --repo-url decides when given", async () => {
    const dir = copyOf("flux-tenants");
    const line = edit(dir, "clusters/prod/infrastructure.yaml", "path: ./infrastructure", "path: ./infrastucture");
    checkout(dir, "https://github.com/someone/infra-fork.git", "main");
    expect(rules((await validate(dir)).report)).toEqual([["flux-path-missing", "clusters/prod/infrastructure.yaml", line]]);
    // --repo-url is taken at its word, even when no source names it
    expect(rules((await validate(dir, ["--repo-url", "https://github.com/someone/infra-fork.git"])).report)).toEqual([]);
    expect(rules((await validate(dir, ["--repo-url", "https://git.example.org/fleet/infra"])).report)).toEqual([["flux-path-missing", "clusters/prod/infrastructure.yaml", line]]);
  });

  test("a folder below a checkout's top level: a path is looked for in the folder and at the top level", async () => {
    const top = tempDir("ccr-real-world-");
    const dir = join(top, "gitops");
    cpSync(join(corpus, "flux-bootstrap"), dir, { recursive: true });
    checkout(top, "https://git.example.org/home/ops.git", "main");
    expect((await validate(dir)).report.problems).toEqual([]);
    // Written from the top level, as Flux reads it: gitops/apps/web.
    edit(dir, "clusters/home/apps.yaml", "path: ./apps/web", "path: ./gitops/apps/web");
    expect((await validate(dir)).report.problems).toEqual([]);
    const line = edit(dir, "clusters/home/apps.yaml", "path: ./gitops/apps/web", "path: ./gitops/apps/wbe");
    expect(rules((await validate(dir)).report)).toEqual([["flux-path-missing", "clusters/home/apps.yaml", line]]);
  });

  test("Argo CD: an Application following another branch of this repository is not checked against this one", async () => {
    const dir = copyOf("flux-bootstrap");
    const application = (revision: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: preview
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://git.example.org/home/ops.git
    targetRevision: ${revision}
    path: previews/web
  destination:
    server: https://kubernetes.default.svc
    namespace: preview
`;
    writeFileSync(join(dir, "preview.yaml"), application("preview"));
    checkout(dir, "https://git.example.org/home/ops.git", "main");
    expect((await validate(dir)).report.problems).toEqual([]);
    checkout(dir, "https://git.example.org/home/ops.git", "preview");
    expect(rules((await validate(dir)).report)).toEqual([["argo-path-missing", "preview.yaml", 11]]);
    // HEAD is the default branch: main, as the clone recorded it
    writeFileSync(join(dir, "preview.yaml"), application("HEAD"));
    checkout(dir, "https://git.example.org/home/ops.git", "main", "main");
    expect(rules((await validate(dir)).report)).toEqual([["argo-path-missing", "preview.yaml", 11]]);
    writeFileSync(join(dir, "preview.yaml"), application("v2.3.1"));
    expect((await validate(dir)).report.problems).toEqual([]);
  });
});

describe("a folder walk over a repository root (issue 13, point 8)", () => {
  test("charts, values, Compose, Ansible, templates, plain JSON and tool configurations are left out, each with its reason in the summary", async () => {
    const dir = join(corpus, "mixed-root");
    const json = await validate(dir);
    expect(json.report.problems).toEqual([]);
    expect(json.status).toBe(0);
    const text = await runCli(["validate", "--strict", "."], { cwd: dir });
    expect(text.stderr).toBe("");
    expect(text.stdout).toContain("Summary: 3 resources found - Valid: 1, Invalid: 0, Errors: 0, Skipped: 2 (not checked: 2, see below)\n");
    expect(text.stdout).toContain("  not checked: 1 - Argo CD config management plugin, read by the repo server, not applied: ConfigManagementPlugin envsubst\n");
    expect(text.stdout).toContain("  not checked: 1 - kustomize generator/transformer configuration, read by kustomize, not applied: LabelTransformer common-labels\n");
    expect(text.stdout).toContain("Left out of the folder walk: 10\n");
    expect(text.stdout).toContain("  left out: 1 - no document with apiVersion or kind: not a Kubernetes manifest: dashboards/cluster.json\n");
    expect(text.stdout).toContain("  left out: 1 - Helm chart (Chart.yaml): rendered by Helm, not validated as manifests: charts/web/\n");
    expect(text.stdout).toContain("  left out: 2 - Docker Compose file, not a manifest: dev-stack.yaml, docker-compose.yml\n");
    expect(text.stdout).toContain("  left out: 3 - Ansible file, not a manifest: ");
    expect(text.stdout).toMatch(/ {2}left out: 2 - Helm values file, not a manifest: (deploy\/web\/web-values\.yaml, deploy\/web\/values-production\.yaml|deploy\/web\/values-production\.yaml, deploy\/web\/web-values\.yaml)\n/);
    expect(text.stdout).toContain("  left out: 1 - template (Go/Helm syntax): not YAML until a generator renders it: generated/service.yaml\n");
  });

  test("a kustomization.yaml without apiVersion and kind is no error: kustomize accepts it, its references are checked", async () => {
    const dir = copyOf("flux-bootstrap");
    writeFileSync(join(dir, "apps/web/kustomization.yaml"), "namespace: web\nresources:\n  - settings.yaml\n");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.report).toMatchObject({ summary: { leftOut: 1 } });
    writeFileSync(join(dir, "apps/web/kustomization.yaml"), "namespace: web\nresources:\n  - setings.yaml\n");
    expect(rules((await validate(dir)).report)).toEqual([["kustomize-resource-missing", "apps/web/kustomization.yaml", 3]]);
  });

  test("a file named on the command line is validated whatever it is", async () => {
    const dir = join(corpus, "mixed-root");
    for (const file of ["docker-compose.yml", "charts/web/templates/deployment.yaml", "deploy/web/values-production.yaml"]) {
      const run = await runCli(["validate", "-o", "json", file], { cwd: dir });
      expect(run.status, file).toBe(1);
      expect((JSON.parse(run.stdout) as JsonReport).problems.length, file).toBeGreaterThan(0);
    }
  });

  test("a walked file with one Kubernetes document keeps its errors: it is a manifest with a mistake", async () => {
    const dir = copyOf("mixed-root");
    writeFileSync(join(dir, "deploy/web/extra.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n---\nreplicaCount: 3\n");
    writeFileSync(join(dir, "deploy/web/nokind.yaml"), "apiVersion: v1\nmetadata:\n  name: lost-its-kind\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(report.problems.map((problem) => [problem.file, problem.rule])).toEqual([
      ["deploy/web/extra.yaml", "k8s-missing-kind"],
      ["deploy/web/nokind.yaml", "k8s-missing-kind"],
    ]);
  });
});

describe("messages and counts (issue 13, point 11)", () => {
  test("resources and checks are counted apart; a GitOps problem names its resource once", async () => {
    const dir = copyOf("flux-bootstrap");
    const line = edit(dir, "clusters/home/apps.yaml", "path: ./apps/web", "path: ./apps/wbe");
    const json = await validate(dir);
    expect(json.report).toMatchObject({ summary: { resources: 6, valid: 6, invalid: 0, errors: 0, skipped: 0, checks: { total: 4, valid: 3, invalid: 1, errors: 0, skipped: 0 } } });
    const text = await runCli(["validate", "--strict", "."], { cwd: dir });
    expect(text.stdout).toContain(`clusters/home/apps.yaml:${line} error Kustomization flux-system/apps: spec.path "./apps/wbe" does not exist in the repository [flux-path-missing]\n`);
    expect(text.stdout).toContain("Summary: 6 resources found - Valid: 6, Invalid: 0, Errors: 0, Skipped: 0\nChecks: 4 (GitOps 4) - Valid: 3, Invalid: 1, Errors: 0, Skipped: 0\n");
  });

  test("a custom resource that shares a kind name with a core kind is not told to be that kind", async () => {
    const dir = tempDir("ccr-real-world-");
    writeFileSync(join(dir, "account.yaml"), "apiVersion: iam.cloud.example.com/v1beta1\nkind: ServiceAccount\nmetadata:\n  name: deployer\nspec:\n  displayName: CI deployer\n");
    writeFileSync(join(dir, "moved.yaml"), "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\nspec: {}\n");
    const run = await runCli(["validate", "-o", "json", "."], { cwd: dir });
    const report = JSON.parse(run.stdout) as JsonReport;
    const messages = Object.fromEntries(report.problems.map((problem) => [problem.file, problem.message]));
    expect(messages["account.yaml"]).toBe("no schema for iam.cloud.example.com/v1beta1 ServiceAccount");
    // an API that moved between Kubernetes groups is still pointed to its current group
    expect(messages["moved.yaml"]).toContain("Ingress is served as networking.k8s.io/v1 Ingress");
  });
});

describe("GitHub Actions workflows (issue 13: actionlint as a rule family)", () => {
  const good = `name: validate
on:
  pull_request:
permissions:
  contents: read
jobs:
  validate:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - name: Title
        env:
          TITLE: \${{ github.event.pull_request.title }}
        run: echo "$TITLE"
`;

  test("a workflow actionlint rejects makes validate fail at its line; --no-workflows turns the family off", async () => {
    const dir = copyOf("flux-bootstrap");
    mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
    writeFileSync(join(dir, ".github", "workflows", "validate.yml"), good);
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.report).toMatchObject({ summary: { resources: 6, checks: { total: 5, valid: 5 } } });

    const broken = good.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    timeout-minutes: soon").replace("env:\n          TITLE: ${{ github.event.pull_request.title }}\n        run: echo \"$TITLE\"", 'run: echo "${{ github.event.pull_request.title }}"');
    writeFileSync(join(dir, ".github", "workflows", "validate.yml"), broken);
    const run = await validate(dir);
    expect(run.status).toBe(1);
    const lines = broken.split("\n");
    expect(rules(run.report)).toEqual([
      ["actionlint-syntax-check", ".github/workflows/validate.yml", lines.findIndex((line) => line.includes("timeout-minutes")) + 1],
      ["actionlint-expression", ".github/workflows/validate.yml", lines.findIndex((line) => line.includes("pull_request.title")) + 1],
    ]);
    expect((await validate(dir, ["--no-workflows"])).report.problems).toEqual([]);
  });

  test("an unknown runner label is a warning (a self-hosted runner may carry any), none once actionlint.yaml declares it", async () => {
    const dir = copyOf("flux-bootstrap");
    mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
    writeFileSync(join(dir, ".github", "workflows", "validate.yml"), good.replace("runs-on: ubuntu-24.04", "runs-on: [self-hosted, home-ops-runner]"));
    const run = await validate(dir);
    expect(run.status).toBe(0);
    expect(run.report.problems.map((problem) => [problem.rule, problem.severity])).toEqual([["actionlint-runner-label", "warning"]]);
    writeFileSync(join(dir, ".github", "actionlint.yaml"), "self-hosted-runner:\n  labels:\n    - home-ops-runner\n");
    expect((await validate(dir)).report.problems).toEqual([]);
  });
});
