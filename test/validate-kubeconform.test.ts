/**
 * `--engine kubeconform`: folding kubeconform's JSON report (the shape of its pkg/output/json.go, written here by
 * hand) into this tool's results, and the whole path through the CLI with a fake `kubeconform` on PATH that records
 * the arguments it was given. No real kubeconform is needed (or downloaded).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { findKubeconform, foldKubeconformOutput, kubeconformArgs, parseKubeconformOutput } from "../src/validators/kubeconform/index.js";
import { summarize } from "../src/validators/types.js";
import { spawnCli, tempDir } from "./helpers/cli.js";

const DEPLOYMENT = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: b
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: "three"
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: nginx
          imagePullPolicy: Sometimes
          bogus: 1
`;

/** What `kubeconform -output json -summary -verbose -strict deploy.yaml widget.yaml` prints (MarshalIndent layout). */
const VERBOSE_OUTPUT = `{
  "resources": [
    {
      "filename": "deploy.yaml",
      "kind": "ConfigMap",
      "name": "settings",
      "version": "v1",
      "status": "statusValid",
      "msg": ""
    },
    {
      "filename": "deploy.yaml",
      "kind": "Deployment",
      "name": "web",
      "version": "apps/v1",
      "status": "statusInvalid",
      "msg": "problem validating schema. Check JSON formatting: jsonschema validation failed with 'file:///schemas/deployment-apps-v1.json#' - at '/spec/replicas': got string, want integer - at '/spec/template/spec/containers/0': additional properties 'bogus' not allowed",
      "validationErrors": [
        {
          "path": "/spec/replicas",
          "msg": "got string, want integer"
        },
        {
          "path": "/spec/template/spec/containers/0",
          "msg": "additional properties 'bogus' not allowed"
        },
        {
          "path": "/spec/template/spec/containers/0/imagePullPolicy",
          "msg": "value must be one of 'Always', 'Never', 'IfNotPresent'"
        }
      ]
    },
    {
      "filename": "widget.yaml",
      "kind": "Widget",
      "name": "w1",
      "version": "example.com/v1",
      "status": "statusError",
      "msg": "could not find schema for Widget"
    },
    {
      "filename": "widget.yaml",
      "kind": "Secret",
      "name": "s",
      "version": "v1",
      "status": "statusSkipped",
      "msg": ""
    }
  ],
  "summary": {
    "valid": 1,
    "invalid": 1,
    "errors": 1,
    "skipped": 1
  }
}
`;

const WIDGET = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
---
apiVersion: v1
kind: Secret
metadata:
  name: s
`;

const FILES: Record<string, string> = { "deploy.yaml": DEPLOYMENT, "widget.yaml": WIDGET };

/** 1-based line of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split("\n").findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`${needle} not found`);
  return index + 1;
}

/** The summary of a report with Kubernetes resources only. */
const NO_CHECKS = { total: 0, valid: 0, invalid: 0, errors: 0, skipped: 0 };

describe("folding kubeconform's JSON output", () => {
  const results = foldKubeconformOutput(parseKubeconformOutput(VERBOSE_OUTPUT), (file) => FILES[file]);

  test("one result per listed resource, with kubeconform's statuses and identities", () => {
    expect(results.map((r) => [r.file, r.label, r.status])).toEqual([
      ["deploy.yaml", "ConfigMap settings", "valid"],
      ["deploy.yaml", "Deployment web", "invalid"],
      ["widget.yaml", "Widget w1", "error"],
      ["widget.yaml", "Secret s", "skipped"],
    ]);
    expect(results[1]?.resource).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "web" });
    expect(summarize(results).summary).toEqual({ resources: 4, valid: 1, invalid: 1, errors: 1, skipped: 1, checks: NO_CHECKS });
  });

  test("validation errors become problems at the line of the field, with the embedded engine's rule ids", () => {
    const deployment = results[1]!;
    expect(deployment.line).toBe(lineOf(DEPLOYMENT, "apiVersion: apps/v1"));
    expect(deployment.problems.map((p) => [p.line, p.rule, p.path, p.message])).toEqual([
      [lineOf(DEPLOYMENT, "replicas:"), "k8s-schema", "spec.replicas", "spec.replicas: got string, want integer"],
      [lineOf(DEPLOYMENT, "bogus:"), "k8s-unknown-field", "spec.template.spec.containers[0]", 'spec.template.spec.containers[0]: unknown field "bogus"'],
      [
        lineOf(DEPLOYMENT, "imagePullPolicy:"),
        "k8s-schema",
        "spec.template.spec.containers[0].imagePullPolicy",
        "spec.template.spec.containers[0].imagePullPolicy: value must be one of 'Always', 'Never', 'IfNotPresent'",
      ],
    ]);
    expect(deployment.problems.every((p) => p.file === "deploy.yaml" && p.resource === "Deployment web")).toBe(true);
  });

  test("errors keep kubeconform's message, at the resource's line, with a matching rule", () => {
    expect(results[2]?.problems).toEqual([
      { file: "widget.yaml", line: 1, resource: "Widget w1", rule: "k8s-missing-schema", message: "could not find schema for Widget", severity: "error" },
    ]);
  });

  test("without -verbose, the summary's unlisted valid and skipped resources still count", () => {
    const quiet = `{\n  "resources": [],\n  "summary": {\n    "valid": 3,\n    "invalid": 0,\n    "errors": 0,\n    "skipped": 2\n  }\n}\n`;
    expect(summarize(foldKubeconformOutput(parseKubeconformOutput(quiet))).summary).toEqual({ resources: 5, valid: 3, invalid: 0, errors: 0, skipped: 2, checks: NO_CHECKS });
  });

  test("a file that cannot be read again still gives problems, without lines", () => {
    const [, deployment] = foldKubeconformOutput(parseKubeconformOutput(VERBOSE_OUTPUT));
    expect(deployment?.problems).toHaveLength(3);
    expect(deployment?.problems.every((p) => p.line === undefined)).toBe(true);
  });

  test("output that is not kubeconform's JSON is refused with a clear message", () => {
    expect(() => parseKubeconformOutput("fixtures/a.yaml - Deployment web is valid")).toThrow(/kubeconform did not print JSON/);
    expect(() => parseKubeconformOutput('{"summary": {}}')).toThrow(/no "resources" list/);
  });
});

describe("kubeconform's flags", () => {
  test("the same options map to kubeconform's flags", () => {
    expect(
      kubeconformArgs({
        strict: true,
        kubernetesVersion: "1.33.0",
        schemaLocations: ["default", "schemas/{{.ResourceKind}}.json"],
        ignoreMissingSchemas: true,
        skipKinds: ["Secret", "apps/v1/Deployment"],
        cacheDir: "/tmp/cache",
      }),
    ).toEqual([
      "-output", "json", "-summary", "-verbose", "-strict", "-kubernetes-version", "1.33.0",
      "-schema-location", "default", "-schema-location", "schemas/{{.ResourceKind}}.json",
      "-ignore-missing-schemas", "-skip", "Secret,apps/v1/Deployment", "-cache", "/tmp/cache",
    ]);
    expect(kubeconformArgs({})).toEqual(["-output", "json", "-summary", "-verbose"]);
  });
});

/**
 * A stand-in kubeconform: records its arguments and working directory, checks that every file it is given exists,
 * and prints the report in $FAKE_KUBECONFORM_OUTPUT (exit 1 when it has a failure, as kubeconform does).
 */
function fakeKubeconform(binDir: string): void {
  mkdirSync(binDir, { recursive: true });
  const script = `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.writeFileSync(process.env.FAKE_KUBECONFORM_ARGS, JSON.stringify({ args, cwd: process.cwd() }));
const files = args.filter((arg, i) => !arg.startsWith("-") && !/^-(output|kubernetes-version|schema-location|skip|cache)$/.test(args[i - 1] ?? ""));
for (const file of files) if (!fs.existsSync(file)) { console.error("no such file " + file); process.exit(3); }
const output = fs.readFileSync(process.env.FAKE_KUBECONFORM_OUTPUT, "utf8");
process.stdout.write(output);
process.exit(/statusInvalid|statusError/.test(output) ? 1 : 0);
`;
  writeFileSync(join(binDir, "kubeconform"), script);
  chmodSync(join(binDir, "kubeconform"), 0o755);
}

describe("validate --engine kubeconform (fake kubeconform on PATH)", () => {
  const root = tempDir("ccr-kubeconform-");
  const binDir = join(root, "bin");
  const repo = join(root, "repo");
  fakeKubeconform(binDir);
  mkdirSync(join(repo, ".github", "workflows"), { recursive: true });
  mkdirSync(join(repo, "clusters"), { recursive: true });
  writeFileSync(join(repo, "deploy.yaml"), DEPLOYMENT);
  writeFileSync(join(repo, "widget.yaml"), WIDGET);
  writeFileSync(join(repo, ".github", "workflows", "ci.yml"), "on: push\njobs: {}\n");
  writeFileSync(join(repo, "skipped.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ignored}\n");
  // A Flux Kustomization whose path is missing: the GitOps checks still run around kubeconform. Its source is the
  // bootstrap one (flux-system), so this repository without a checkout or --repo-url.
  const flux = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec: {interval: 1m, url: https://example.com/repo.git, ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`;
  writeFileSync(join(repo, "clusters", "flux.yaml"), flux);
  const outputFile = join(root, "kubeconform-output.json");
  const fluxResources = `,
    {"filename": "clusters/flux.yaml", "kind": "GitRepository", "name": "flux-system", "version": "source.toolkit.fluxcd.io/v1", "status": "statusValid", "msg": ""},
    {"filename": "clusters/flux.yaml", "kind": "Kustomization", "name": "apps", "version": "kustomize.toolkit.fluxcd.io/v1", "status": "statusValid", "msg": ""}
  ],`;
  writeFileSync(outputFile, VERBOSE_OUTPUT.replace(/\n {2}\],/, fluxResources).replace('"valid": 1', '"valid": 3'));
  const argsFile = join(root, "args.json");
  const env = { PATH: binDir, FAKE_KUBECONFORM_OUTPUT: outputFile, FAKE_KUBECONFORM_ARGS: argsFile };

  test("runs kubeconform with the mapped flags on the files a folder walk selects, and folds its report", async () => {
    const cache = join(root, "cache");
    const run = await spawnCli(
      ["validate", "--engine", "kubeconform", "--strict", "--kubernetes-version", "1.33.0", "--schema-location", "default", "--skip", "Secret",
        "--ignore-missing-schemas", "--ignore-filename-pattern", "skipped", "--cache-dir", cache, "-o", "json", "."],
      { cwd: repo, env },
    );
    expect(run.status, run.stderr).toBe(1);
    const { args, cwd } = JSON.parse(readFileSync(argsFile, "utf8")) as { args: string[]; cwd: string };
    expect(cwd).toBe(repo);
    expect(args).toEqual([
      "-output", "json", "-summary", "-verbose", "-strict", "-kubernetes-version", "1.33.0", "-schema-location", "default",
      "-ignore-missing-schemas", "-skip", "Secret", "-cache", cache,
      "clusters/flux.yaml", "deploy.yaml", "widget.yaml",
    ]);
    const report = JSON.parse(run.stdout) as { summary: Record<string, number>; problems: { file: string; line: number; rule: string }[] };
    expect(report.problems).toContainEqual(expect.objectContaining({ file: "deploy.yaml", line: lineOf(DEPLOYMENT, "bogus:"), rule: "k8s-unknown-field" }));
    expect(report.problems).toContainEqual(expect.objectContaining({ file: "widget.yaml", line: 1, rule: "k8s-missing-schema" }));
    expect(report.problems).toContainEqual(expect.objectContaining({ file: "clusters/flux.yaml", line: lineOf(flux, "path: ./apps"), rule: "flux-path-missing" }));
    // 6 resources from kubeconform; the GitOps unit of the Flux Kustomization and the workflow (actionlint: no
    // jobs) are checks, not resources
    expect(report.problems).toContainEqual(expect.objectContaining({ file: ".github/workflows/ci.yml", rule: expect.stringMatching(/^actionlint-/) }));
    expect(report.summary).toEqual({ resources: 6, valid: 3, invalid: 1, errors: 1, skipped: 1, checks: { total: 2, valid: 0, invalid: 2, errors: 0, skipped: 0 } });
  });

  test("the report formats work on kubeconform's results too", async () => {
    const run = await spawnCli(["validate", "--engine", "kubeconform", "-o", "tap", "deploy.yaml"], { cwd: repo, env });
    expect(run.stdout).toMatch(/^not ok 2 - deploy\.yaml Deployment web$/m);
  });

  test("without a kubeconform binary on PATH: a clear usage error, exit 2", async () => {
    const run = await spawnCli(["validate", "--engine", "kubeconform", "."], { cwd: repo, env: { PATH: join(root, "empty") } });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--engine kubeconform needs a kubeconform binary on PATH/);
    expect(findKubeconform(join(root, "empty"))).toBeUndefined();
    expect(findKubeconform(binDir)).toBe(join(binDir, "kubeconform"));
  });

  test("an unknown engine and --crd with kubeconform are usage errors", async () => {
    expect((await spawnCli(["validate", "--engine", "kubectl", "."], { cwd: repo, env })).status).toBe(2);
    const crd = await spawnCli(["validate", "--engine", "kubeconform", "--crd", "x.yaml", "."], { cwd: repo, env });
    expect(crd.status).toBe(2);
    expect(crd.stderr).toMatch(/--crd is not supported with --engine kubeconform/);
  });

  test("a comment-only file or document is no resource; a repeated key is reported at its line (issue 13 point 9, issue 23 point 10)", async () => {
    const dir = join(root, "point9");
    mkdirSync(dir, { recursive: true });
    const file = "# a placeholder, nothing to apply yet\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: \"1\"\n---\n# the same key twice\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twice\ndata:\n  b: \"1\"\n  b: \"2\"\n";
    writeFileSync(join(dir, "configmaps.yaml"), file);
    writeFileSync(join(dir, "comments.yaml"), "# nothing here yet\n# only comments\n");
    // Printed by kubeconform v0.6.7 (built from its tag) for these two files with `-output json -summary -verbose
    // -strict -n 1`: an empty document's status is "" (pkg/output/json.go has no string for validator.Empty), and
    // go-yaml's line counts from the start of the document.
    const output = join(root, "point9.json");
    writeFileSync(output, `{
  "resources": [
    {
      "filename": "configmaps.yaml",
      "kind": "",
      "name": "",
      "version": "",
      "status": "",
      "msg": ""
    },
    {
      "filename": "configmaps.yaml",
      "kind": "ConfigMap",
      "name": "settings",
      "version": "v1",
      "status": "statusValid",
      "msg": ""
    },
    {
      "filename": "configmaps.yaml",
      "kind": "ConfigMap",
      "name": "twice",
      "version": "v1",
      "status": "statusError",
      "msg": "error unmarshalling resource: error converting YAML to JSON: yaml: unmarshal errors:\\n  line 8: key \\"b\\" already set in map"
    },
    {
      "filename": "comments.yaml",
      "kind": "",
      "name": "",
      "version": "",
      "status": "",
      "msg": ""
    }
  ],
  "summary": {
    "valid": 1,
    "invalid": 0,
    "errors": 1,
    "skipped": 0
  }
}
`);
    const run = await spawnCli(["validate", "--engine", "kubeconform", "-o", "json", "."], { cwd: dir, env: { ...env, FAKE_KUBECONFORM_OUTPUT: output } });
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as { summary: Record<string, number>; problems: { file: string; line: number; rule: string }[] };
    expect(report.summary).toMatchObject({ resources: 2, valid: 1, errors: 1 });
    const lines = file.split("\n");
    expect(report.problems.map((p) => [p.file, p.line, p.rule])).toEqual([["configmaps.yaml", lines.lastIndexOf('  b: "2"') + 1, "k8s-duplicate-key"]]);

    // A comment-only file alone: valid, exit 0 (not "kubeconform reported an error").
    const alone = join(root, "point9-alone.json");
    writeFileSync(alone, `{
  "resources": [
    {
      "filename": "comments.yaml",
      "kind": "",
      "name": "",
      "version": "",
      "status": "",
      "msg": ""
    }
  ],
  "summary": {
    "valid": 0,
    "invalid": 0,
    "errors": 0,
    "skipped": 0
  }
}
`);
    const comments = await spawnCli(["validate", "--engine", "kubeconform", "-o", "json", "comments.yaml"], { cwd: dir, env: { ...env, FAKE_KUBECONFORM_OUTPUT: alone } });
    expect(comments.stdout).not.toContain("kubeconform reported an error");
    expect(comments.status, comments.stdout).toBe(0);
    expect(JSON.parse(comments.stdout)).toMatchObject({ valid: true, summary: { resources: 0 } });
  });

  test("a kustomize patch is not handed to kubeconform, which would take it for a whole object (issue 23, root cause 1)", async () => {
    const dir = join(root, "patches");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - settings.yaml\npatches:\n  - path: more.yaml\n");
    writeFileSync(join(dir, "settings.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: \"1\"\n");
    writeFileSync(join(dir, "more.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  b: \"2\"\n");
    const output = join(root, "patches.json");
    writeFileSync(output, JSON.stringify({ resources: [{ filename: "kustomization.yaml", kind: "Kustomization", name: "", version: "kustomize.config.k8s.io/v1beta1", status: "statusSkipped", msg: "" }, { filename: "settings.yaml", kind: "ConfigMap", name: "settings", version: "v1", status: "statusValid", msg: "" }], summary: { valid: 1, invalid: 0, errors: 0, skipped: 1 } }));
    const run = await spawnCli(["validate", "--engine", "kubeconform", "-o", "json", "."], { cwd: dir, env: { ...env, FAKE_KUBECONFORM_OUTPUT: output } });
    expect(run.status, run.stderr).toBe(0);
    const { args } = JSON.parse(readFileSync(argsFile, "utf8")) as { args: string[] };
    expect(args.slice(-2)).toEqual(["kustomization.yaml", "settings.yaml"]);
    const report = JSON.parse(run.stdout) as { resources: { file: string; status: string; notChecked?: string }[] };
    expect(report.resources.find((resource) => resource.file === "more.yaml")).toMatchObject({ status: "skipped", notChecked: expect.stringMatching(/^kustomize patch: kubeconform validates whole objects/) });
  });

  test("kubeconform failing without a report is an error naming what it said", async () => {
    const run = await spawnCli(["validate", "--engine", "kubeconform", "."], { cwd: repo, env: { ...env, FAKE_KUBECONFORM_OUTPUT: join(root, "missing") } });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/kubeconform/);
  });
});
