/**
 * Issue 14: no input a pull request (or a command line) can carry makes `validate`, `create`, `plan` or `check` hang
 * or exhaust memory. Each hostile input runs through the built CLI (`npm run build` first) under a generous kill
 * timeout; the test asserts the exit code and the message (file, line, limit). How long each takes next to a benign
 * input of the same size is measured by bench/hostile-input.mjs, never asserted here.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { MAX_FILE_BYTES } from "../src/limits.js";
import { validateFileStream, type FileOutcome } from "../src/validators/kubernetes/index.js";
import { cliPath, tempDir, type CliRun } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

/** Far above what any of these takes even on a loaded machine; a run past it has hung. */
const KILL_MS = 240_000;
const TEST_MS = 300_000;
const work = tempDir("ccr-hostile-bounds-");

/**
 * Runs the built CLI with a kill timeout, stdin from `stdin` (a file) or nothing. `heapMiB` caps its JavaScript heap:
 * an input that needs more memory than that ends the run (exit 134) instead of filling a shared machine.
 */
function cli(args: string[], options: { stdin?: string; cwd?: string; heapMiB?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const heap = options.heapMiB ? [`--max-old-space-size=${options.heapMiB}`] : [];
    const child = spawn(process.execPath, [...heap, cliPath, ...args], {
      cwd: options.cwd ?? work,
      env: { ...process.env, CI: "true", NO_COLOR: "1", GITHUB_TOKEN: "" },
      stdio: [options.stdin ? openSync(options.stdin, "r") : "ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), KILL_MS);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status: signal === "SIGKILL" ? null : status, stdout, stderr });
    });
  });
}

interface JsonProblem {
  file: string;
  line: number | null;
  rule: string;
  message: string;
  resource: string | null;
}
interface JsonReport {
  summary: { resources: number; valid: number; invalid: number; errors: number };
  problems: JsonProblem[];
  resources: { file: string; status: string }[];
}

async function validateJson(...args: string[]): Promise<{ run: CliRun; report: JsonReport }> {
  const run = await cli(["validate", "-o", "json", ...args]);
  expect(run.status, run.stderr).not.toBeNull();
  return { run, report: JSON.parse(run.stdout) as JsonReport };
}

function write(name: string, content: string): string {
  const path = join(work, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
  return path;
}

const configMap = (name: string, pad = 0) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: "${"x".repeat(pad)}"\n`;

/** `a: [{[{...` left open, then flow entries up to `bytes`. */
function unterminatedFlow(depth: number, bytes: number): string {
  let text = "a: ";
  for (let i = 0; i < depth; i++) text += i % 2 ? "{" : "[";
  const entries: string[] = [];
  for (let i = 0, length = text.length; length < bytes; i++) {
    const entry = depth % 2 ? `k${i}: v, ` : `x${i}, `;
    entries.push(entry);
    length += entry.length;
  }
  // Whole entries only: a key cut short could repeat an earlier one (x59 after x5999), a different error.
  return text + entries.join("");
}

/** Billion laughs: 9 levels of 9 aliases, 9^9 strings once expanded. */
function laughs(): string {
  const lines = [`lol0: &l0 [${Array(9).fill('"lol"').join(", ")}]`];
  for (let level = 1; level <= 9; level++) lines.push(`lol${level}: &l${level} [${Array(9).fill(`*l${level - 1}`).join(", ")}]`);
  return `${lines.join("\n")}\n`;
}

const fluxKustomization = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {interval: 10m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
`;

function fifo(name: string): string {
  const path = join(work, name);
  execFileSync("mkfifo", [path]);
  return path;
}
function zeroLink(name: string): string {
  const path = join(work, name);
  symlinkSync("/dev/zero", path);
  return path;
}

describe("validate: unterminated nested flow collections", () => {
  test.each([
    ["305 bytes, 302 levels", 302, 305],
    ["1 MiB, 10 levels", 10, 1024 * 1024],
    ["1 MiB, 200 levels", 200, 1024 * 1024],
  ])(
    "%s: one syntax error with its line, the other file still validated, nothing on stderr",
    async (name, depth, bytes) => {
      const file = write(`flow/${depth}.yaml`, unterminatedFlow(depth, bytes));
      const good = write(`flow/good-${depth}.yaml`, configMap("good"));
      const { run, report } = await validateJson(file, good);
      expect(run.status).toBe(1);
      // No stray runtime warning ("Keys with collection values will be stringified") or anything else.
      expect(run.stderr).toBe("");
      expect(report.summary).toMatchObject({ resources: 2, valid: 1, errors: 1 });
      expect(report.problems).toEqual([
        expect.objectContaining({ file, line: 1, rule: "k8s-yaml-syntax", message: "YAML syntax error: unexpected end of the stream within a flow collection" }),
      ]);
    },
    TEST_MS,
  );

  test(
    "--values and the answers file read by plan: the same input is a usage error with its line",
    async () => {
      const flow = write("flow/values.yaml", unterminatedFlow(2, 60_000));
      const values = await cli(["-b", "kapsule-gpu", "-y", "--dry-run", "--values", flow, join(work, "targets", "v")]);
      expect(values.status).toBe(2);
      expect(values.stderr).toMatch(/^error: --values .*values\.yaml:1: not valid YAML: unexpected end of the stream within a flow collection\n/);
      const repo = join(work, "answers-flow");
      write("answers-flow/cluster-repo.yaml", `tool: create-cluster-repo\ntoolVersion: 0.1.0\nblueprint: kapsule-gpu\nblueprintVersion: 1.0.0\ngitops: flux\nparams:\n  x: ${unterminatedFlow(2, 60_000).slice(3)}\n`);
      const plan = await cli(["plan", repo]);
      expect(plan.status).toBe(2);
      expect(plan.stderr).toMatch(/^error: .*cluster-repo\.yaml:7: not valid YAML: unexpected end of the stream within a flow collection; fix the file or restore it from git history\n/);
    },
    TEST_MS,
  );
});

describe("validate: YAML alias bombs", () => {
  // 48 files, 12 MB: above the 8 MiB from which worker threads share the work, so the bomb crosses the hand-off.
  const repo = join(work, "bomb-repo");
  write("bomb-repo/apps/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n");
  write("bomb-repo/clusters/flux.yaml", `${fluxKustomization}${laughs()}`);
  for (let i = 0; i < 46; i++) write(`bomb-repo/config/cm-${i}.yaml`, configMap(`cm-${i}`, 260_000));

  test.each([["2"], ["1"]])(
    "inside a Flux Kustomization in a 12 MB folder, --workers %s: refused as excessive aliasing with file and line; every other file validated",
    async (workers) => {
      const { run, report } = await validateJson("--workers", workers, repo);
      expect(run.status).toBe(1);
      expect(run.stderr).toBe("");
      expect(report.problems).toEqual([
        expect.objectContaining({
          file: "bomb-repo/clusters/flux.yaml",
          line: 1,
          rule: "k8s-yaml-limit",
          resource: "Kustomization flux-system/apps",
          message: expect.stringMatching(/^excessive aliasing: aliases expand the file's documents past the limit of 10 times the file's size \(at least 1 MiB\)/),
        }),
      ]);
      // The 46 ConfigMaps and the kustomization.yaml (Kubernetes and GitOps checks): all valid.
      expect(report.summary.errors).toBe(1);
      expect(report.summary.invalid).toBe(0);
      expect(report.resources.filter((resource) => resource.file.startsWith("bomb-repo/config/") && resource.status === "valid")).toHaveLength(46);
    },
    TEST_MS,
  );

  test(
    "an alias cycle in a CRD's schema is refused, not followed until the stack overflows",
    async () => {
      const crd = write(
        "cycle.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: &s {type: object, properties: {x: *s}}\n",
      );
      const { run, report } = await validateJson(crd);
      expect(run.status).toBe(1);
      expect(report.problems).toEqual([expect.objectContaining({ line: 1, rule: "k8s-yaml-limit", message: expect.stringMatching(/alias refers to a node that contains it/) })]);
      // Given with --crd, the same file is a bad argument.
      const asCrd = await cli(["validate", "--crd", crd, write("widget.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")]);
      expect(asCrd.status).toBe(2);
      expect(asCrd.stderr).toMatch(/^error: cannot read CRD file .*cycle\.yaml:1: an alias refers to a node that contains it/);
    },
    TEST_MS,
  );

  test(
    "--values and answers files: the bomb is refused with exit 2",
    async () => {
      const bomb = write("bomb-values.yaml", `clusterName: ok\n${laughs()}`);
      const values = await cli(["-b", "kapsule-gpu", "-y", "--dry-run", "--values", bomb, join(work, "targets", "b")]);
      expect(values.status).toBe(2);
      expect(values.stderr).toMatch(/^error: --values .*bomb-values\.yaml:1: not valid YAML: excessive aliasing/);
      write("answers-bomb/cluster-repo.yaml", `tool: create-cluster-repo\ntoolVersion: 0.1.0\nblueprint: kapsule-gpu\nblueprintVersion: 1.0.0\ngitops: flux\nparams:\n  clusterName: a\n${laughs().replace(/^/gm, "  ")}`);
      const check = await cli(["check", join(work, "answers-bomb")]);
      expect(check.status).toBe(2);
      expect(check.stderr).toMatch(/cluster-repo\.yaml:1: not valid YAML: excessive aliasing/);
    },
    TEST_MS,
  );
});

describe("worker hand-off", () => {
  // The worker takes the first batches as it starts, before this thread takes any: one batch goes to the worker.
  test.runIf(existsSync(join(repoRoot, "dist", "validators", "kubernetes", "worker.js")))(
    "digests cross to this thread as the parser made them: a node that aliases share arrives once, not expanded",
    async () => {
      const dir = join(work, "handoff");
      const list = `[${Array.from({ length: 50 }, (_, i) => `"./app-${i}"`).join(", ")}]`;
      write("handoff/kustomization.yaml", `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: &r ${list}\ncomponents: *r\n`);
      write("handoff/other.yaml", configMap("other"));
      const outcomes: FileOutcome[] = [];
      await validateFileStream(["kustomization.yaml", "other.yaml"], {}, { root: dir, digests: true, workers: 2, minBytesForWorkers: 0 }, (position, outcome) => {
        outcomes[position] = outcome;
      });
      const object = outcomes[0]?.digests?.[0]?.object as { resources: string[]; components: string[] };
      expect(object.resources).toHaveLength(50);
      expect(object.components).toBe(object.resources);
    },
    TEST_MS,
  );
});

describe("validate: kustomizations that include each other many times over", () => {
  test(
    "12 levels, each listing the next one 8 times (8^11 resources once expanded): the build is reported, named with the limit, in bounded memory, with a report",
    async () => {
      const root = join(work, "kustomize-fan-out");
      const levels = 12;
      for (let level = 0; level < levels; level++) {
        const entries = level === levels - 1 ? ["cm.yaml"] : Array.from({ length: 8 }, (_, copy) => `../l${level + 1}${"/".repeat(copy)}`);
        write(`kustomize-fan-out/l${level}/kustomization.yaml`, `resources:\n${entries.map((entry) => `- ${entry}\n`).join("")}`);
      }
      write(`kustomize-fan-out/l${levels - 1}/cm.yaml`, configMap("fan"));
      // Without the bound this needs gigabytes: a 512 MiB heap ends it with exit 134 and no report.
      const run = await cli(["validate", "-o", "json", root], { heapMiB: 512 });
      expect(run.status, run.stderr).toBe(1);
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.summary).toMatchObject({ resources: 1, valid: 1 });
      const limited = report.problems.filter((problem) => problem.rule === "kustomize-build-limit");
      expect(limited.length).toBeGreaterThan(0);
      expect(limited[0]!.message).toMatch(/^the kustomize build of l\d+\/kustomization\.yaml holds more than 50,000 resources \(MAX_KUSTOMIZE_BUILD_RESOURCES\)/);
    },
    TEST_MS,
  );
});

describe("validate: one deeply nested expression", () => {
  test(
    'a .tf file with "${"${…}"}" and a workflow with ${{ (((…))) }} 100,000 deep: each is one error naming the limit; the rest is validated and reported',
    async () => {
      const root = join(work, "nested-expressions");
      const depth = 100_000;
      write("nested-expressions/main.tf", `locals {\n  a = "${'${"'.repeat(depth)}x${'"}'.repeat(depth)}"\n}\n`);
      write("nested-expressions/blocks.tf", `${"a {\n".repeat(depth)}${"}\n".repeat(depth)}`);
      write("nested-expressions/ok.tf", 'variable "region" {\n  type = string\n}\n');
      write("nested-expressions/app.yaml", configMap("app"));
      write("nested-expressions/.github/workflows/nested.yml", `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \${{ ${"(".repeat(depth)}github.ref${")".repeat(depth)} }}\n`);
      write("nested-expressions/.github/workflows/ok.yml", "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ (github.ref) }}\"\n");
      const { run, report } = await validateJson(root);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(1);
      const limit = "(MAX_EXPRESSION_NESTING)";
      const shown = (file: string) => file.replace(/^.*nested-expressions\//, "");
      const rules = report.problems.map((problem) => [shown(problem.file), problem.rule, problem.message.includes(limit)]).sort();
      expect(rules).toEqual([
        [".github/workflows/nested.yml", "workflow-nesting-limit", true],
        ["blocks.tf", "tf-nesting-limit", true],
        ["main.tf", "tf-nesting-limit", true],
      ]);
      expect(report.summary).toMatchObject({ resources: 1, valid: 1 });
      const checked = report.resources.filter((unit) => unit.status === "valid").map((unit) => shown(unit.file));
      expect(checked).toEqual(expect.arrayContaining(["app.yaml", "ok.tf", ".github/workflows/ok.yml"]));
    },
    TEST_MS,
  );
});

describe("validate: nesting depth", () => {
  test(
    "100,000 levels of valid YAML: refused at the limit with its line",
    async () => {
      const deep = write("deep.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nx: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`);
      const { run, report } = await validateJson(deep);
      expect(run.status).toBe(1);
      expect(report.problems).toEqual([expect.objectContaining({ file: deep, line: 4, rule: "k8s-yaml-limit", message: "YAML nesting deeper than 1000 levels, the limit" })]);
    },
    TEST_MS,
  );

  test(
    "a --set path deeper than the limit is a usage error",
    async () => {
      const run = await cli(["-b", "kapsule-gpu", "-y", "--dry-run", "--set", `gpuPool${"[0]".repeat(1001)}=1`, join(work, "targets", "d")]);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^error: --set gpuPool\[0\].*: the parameter path has 1002 levels, more than the limit of 1000\n/);
    },
    TEST_MS,
  );
});

describe("validate: file size", () => {
  test(
    "a file over the limit is an error naming the file and the limit; the other files are validated",
    async () => {
      const dir = join(work, "sizes");
      write("sizes/small.yaml", configMap("small"));
      write("sizes/huge.yaml", "");
      truncateSync(join(dir, "huge.yaml"), MAX_FILE_BYTES + 1);
      write("sizes/main.tf", "");
      truncateSync(join(dir, "main.tf"), MAX_FILE_BYTES + 1);
      const { run, report } = await validateJson(dir);
      expect(run.status).toBe(1);
      const prefix = "sizes/";
      expect(report.problems.map((p) => [p.file.slice(p.file.indexOf(prefix)), p.rule, p.message]).sort()).toEqual([
        ["sizes/huge.yaml", "k8s-file-too-large", "the file is 33,554,433 bytes, over the limit of 32 MiB per file"],
        // Terraform files have the Terraform validator's own limit, and are not read past it.
        ["sizes/main.tf", "tf-file-too-large", "main.tf is 32.0 MiB; Terraform files are validated up to 1 MiB (split the file, or move large text into a file read with file())"],
      ]);
      expect(report.summary.valid).toBe(1);
    },
    TEST_MS,
  );

  test(
    "standard input from /dev/zero stops at the limit",
    async () => {
      const run = await cli(["validate", "-o", "json", "-"], { stdin: "/dev/zero" });
      expect(run.status).toBe(1);
      expect((JSON.parse(run.stdout) as JsonReport).problems).toEqual([
        expect.objectContaining({ file: "stdin", rule: "k8s-file-too-large", message: "the file is larger than the limit of 32 MiB per file" }),
      ]);
    },
    TEST_MS,
  );
});

describe("validate: thousands of problems in one resource", () => {
  test(
    "50,000 schema violations in one ConfigMap are all reported, each with its line",
    async () => {
      const entries = 50_000;
      const file = write("wrong.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: wrong}\ndata:\n${Array.from({ length: entries }, (_, i) => `  key-${i}: ${i}`).join("\n")}\n`);
      const { run, report } = await validateJson(file);
      expect(run.status).toBe(1);
      expect(report.problems).toHaveLength(entries);
      expect(report.problems[entries - 1]).toMatchObject({ line: entries + 4, message: `data.key-${entries - 1} must be string` });
    },
    TEST_MS,
  );
});

describe("--set list index", () => {
  test(
    "nodeGroups[10000000] is refused at once, with the indexes that are allowed",
    async () => {
      const run = await cli(["-b", "magnum-openstack", "-y", "--dry-run", "--set", "nodeGroups[10000000].name=x", join(work, "targets", "s")]);
      expect(run.status).toBe(2);
      expect(run.stderr).toBe("error: --set nodeGroups[10000000].name=x: index 10000000 is past the end of the list; nodeGroups is empty: use [0] to add its first item\n");
    },
    TEST_MS,
  );
});

describe("FIFOs and devices named on the command line", () => {
  const small = write("named/small.yaml", configMap("small"));
  const cases: [string, () => string[], RegExp][] = [
    ["validate FIFO", () => ["validate", small, fifo("named/fifo.yaml")], /^error: .*named\/fifo\.yaml: it is a FIFO \(named pipe\), not a regular file; name a regular file or a folder\n/],
    ["validate /dev/zero link", () => ["validate", zeroLink("named/zero.yaml")], /^error: .*named\/zero\.yaml: it is a character device \(a symbolic link to \/dev\/zero\), not a regular file/],
    ["--crd FIFO", () => ["validate", "--crd", fifo("named/crd-fifo.yaml"), small], /^error: --crd .*crd-fifo\.yaml: it is a FIFO \(named pipe\), not a regular file; name a regular file\n/],
    ["--crd /dev/zero link", () => ["validate", "--crd", zeroLink("named/crd-zero.yaml"), small], /^error: --crd .*crd-zero\.yaml: it is a character device/],
    ["--schema-location FIFO", () => ["validate", "--schema-location", fifo("named/schema.json"), small], /^error: --schema-location .*schema\.json: it is a FIFO/],
    ["--values FIFO", () => ["-b", "kapsule-gpu", "-y", "--dry-run", "--values", fifo("named/values.yaml"), join(work, "targets", "f1")], /^error: cannot read --values .*values\.yaml: it is a FIFO \(named pipe\), not a regular file; give the path of a YAML file of parameters\n/],
    ["--values /dev/zero link", () => ["-b", "kapsule-gpu", "-y", "--dry-run", "--values", zeroLink("named/values-zero.yaml"), join(work, "targets", "f2")], /^error: cannot read --values .*values-zero\.yaml: it is a character device \(a symbolic link to \/dev\/zero\)/],
    [
      "plan with a FIFO as answers file",
      () => {
        mkdirSync(join(work, "fifo-repo"));
        fifo("fifo-repo/cluster-repo.yaml");
        return ["plan", join(work, "fifo-repo")];
      },
      /^error: plan: .*fifo-repo\/cluster-repo\.yaml: it is a FIFO \(named pipe\), not a regular file; restore it from git history\n/,
    ],
  ];

  test.each(cases)(
    "%s: refused at once with exit 2",
    async (_name, args, message) => {
      const run = await cli(args());
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe("");
    },
    TEST_MS,
  );

  test(
    "in a folder walk a FIFO is skipped, a link out of the repository to /dev/zero refused by name (never read), and the regular files validated",
    async () => {
      write("walked/ok.yaml", configMap("ok"));
      fifo("walked/fifo.yaml");
      zeroLink("walked/zero.yaml");
      const { run, report } = await validateJson(join(work, "walked"));
      expect(run.status).toBe(1);
      expect(report.resources.map((resource) => [resource.file.replace(/^.*walked\//, ""), resource.status])).toEqual([
        ["ok.yaml", "valid"],
        ["zero.yaml", "error"],
      ]);
      expect(report.problems).toEqual([expect.objectContaining({ rule: "symlink-refused", message: expect.stringContaining("it leads outside the repository (to /dev/zero); not followed") })]);
    },
    TEST_MS,
  );
});
