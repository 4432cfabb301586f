/**
 * `validate` on layouts of real repositories, round 4 (issue 23, repositories not seen before), through the CLI's own
 * entry (run `npm run build` first). One corpus folder per root cause in test/fixtures/real-world, written by hand
 * (no copied content): each test names its cause, checks that the folder validates with no false alarm, and that a
 * real mistake in it is still reported.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { copyOfCase, editCase, lineOfText, validateJson, type CorpusReport, errorRows } from "./helpers/corpus-copy.js";

type JsonReport = CorpusReport;

const copyOf = (name: string): string => copyOfCase(name, "ccr-real-world-r4-");

const validate = (dir: string, args: string[] = []) => validateJson<JsonReport>(dir, ["--strict", ...args]);

const errors = errorRows;

/** The text report's "left out" lines, which name each left-out file with its reason. */
const leftOutLines = async (dir: string) => {
  const { runCli } = await import("./helpers/cli.js");
  const run = await runCli(["validate", "."], { cwd: dir, env: { GITHUB_BASE_REF: "" } });
  return run.stdout.split("\n").filter((line) => line.includes("left out:"));
};

describe("Go-template and Jinja files nothing applies are templates, left out with their reason", () => {
  test("a CLI's template test data and a {% raw %} docs snippet are no errors, and a template's path: ./ applies nothing", async () => {
    const dir = copyOf("go-templates");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
    const lines = await leftOutLines(dir);
    expect(lines.find((line) => line.includes("Go template"))).toContain("cli/testdata/create/namespace.yaml, cli/testdata/create/sync.yaml");
    expect(lines.find((line) => line.includes("Jinja"))).toContain("docs/snippets/service.yaml");
    // tools/settings.yaml is no manifest; it would be applied (and an error) if the template's path: ./ counted.
    expect(lines.find((line) => line.includes("tools/settings.yaml"))).toContain("not a Kubernetes manifest");
  });

  test("a template a Flux Kustomization applies as it is stays an error, and so does its path: ./", async () => {
    const dir = copyOf("go-templates");
    writeFileSync(
      join(dir, "clusters/lab/testdata.yaml"),
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: testdata\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./cli/testdata/create\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    const files = [...new Set(errors(report).map(([, file]) => file))].sort();
    // The applied templates keep their schema errors; the root they apply now holds the tool's settings and the
    // snippet, errors too.
    expect(files).toEqual(["cli/testdata/create/namespace.yaml", "cli/testdata/create/sync.yaml", "docs/snippets/service.yaml", "tools/settings.yaml"]);
    expect(errors(report)).toContainEqual(["k8s-schema", "cli/testdata/create/namespace.yaml", lineOfText(dir, "cli/testdata/create/namespace.yaml", "  name: {{ .namespace }}")]);
  });

  test("template text in quotes or a block scalar is a string: the manifest holding it is validated, mistakes and all", async () => {
    const dir = copyOf("go-templates");
    const line = editCase(dir, "clusters/lab/alerting.yaml", "  name: alert-templates\n", "  name: alert-templates\n  color: blue\n");
    expect(errors((await validate(dir)).report)).toEqual([["k8s-unknown-field", "clusters/lab/alerting.yaml", line + 1]]);
  });
});

describe("an Argo CD source at cnoe://<folder> (idpbuilder) applies that folder beside the Application, not the root", () => {
  test("the issue form and docs configuration at the root are not applied; the folders are", async () => {
    const dir = copyOf("argo-local-folders");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a file that is no manifest in the applied folder is an error naming the Application", async () => {
    const dir = copyOf("argo-local-folders");
    writeFileSync(join(dir, "platform/manifests/values.yaml"), "replicas: 2\n");
    writeFileSync(join(dir, "platform/addons/metrics/notes.yaml"), "owner: platform\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report).map(([rule, file]) => [rule, file])).toEqual([
      ["k8s-missing-kind", "platform/addons/metrics/notes.yaml"],
      ["k8s-missing-kind", "platform/manifests/values.yaml"],
    ]);
    const appliers = report.problems.filter((problem) => problem.rule === "applied-by-gitops").map((problem) => /Argo CD Application (\S+)/.exec(problem.message)?.[1]);
    expect(appliers).toEqual(["argocd/metrics", "argocd/echo"]);
  });
});

describe("custom resources are checked as the API server checks them: after its defaulting", () => {
  test("a required field with a default, and a oneOf case told apart by a defaulted field, are no errors (--crd and embedded Gateway API)", async () => {
    const dir = copyOf("crd-defaults");
    const clean = await validate(dir, ["--crd", "crds/listeners.yaml"]);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("an address the default makes an IP must be one (format ipv4 checked); a wrongly typed port and an unknown field are still errors", async () => {
    const dir = copyOf("crd-defaults");
    const ip = editCase(dir, "edge/listener.yaml", "    - value: 192.0.2.10\n", "    - value: edge-1\n");
    // The API server checks format ipv4/ipv6: an untyped Gateway address is an IPAddress, and must be one.
    const gateway = editCase(dir, "edge/gateway.yaml", "    - value: 192.0.2.20\n", "    - value: 192.0.2.300\n");
    const port = editCase(dir, "edge/listener.yaml", "spec:\n", "spec:\n  port: http\n") + 1;
    const unknown = editCase(dir, "edge/gateway.yaml", "      value: gw.example.org\n", "      value: gw.example.org\n      weight: 1\n") + 1;
    const { status, report } = await validate(dir, ["--crd", "crds/listeners.yaml"]);
    expect(status).toBe(1);
    const distinct = [...new Set(errors(report).map((error) => JSON.stringify(error)))].map((error) => JSON.parse(error) as unknown).sort();
    // The port edit moved the address down a line.
    expect(distinct).toEqual(
      [
        ["k8s-schema", "edge/gateway.yaml", gateway],
        ["k8s-unknown-field", "edge/gateway.yaml", unknown],
        ["k8s-schema", "edge/listener.yaml", port],
        ["k8s-schema", "edge/listener.yaml", ip + 1],
      ].sort(),
    );
    const messages = report.problems.map((problem) => problem.message);
    expect(messages).toContain('spec.addresses[0]: missing required field "kind"');
    expect(messages).toContain('spec.addresses[0].value must be an IPv4 address (format "ipv4")');
  });
});

describe("the copilot-requests permission scope GitHub documents (actionlint 1.7.12 does not know it)", () => {
  const workflow = ".github/workflows/summary.yml";

  test("copilot-requests: write is no error", async () => {
    const dir = copyOf("copilot-permission");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a value GitHub does not document is an error naming the values it does", async () => {
    const dir = copyOf("copilot-permission");
    const line = editCase(dir, workflow, "copilot-requests: write", "copilot-requests: admin");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["actionlint-permissions", workflow, line]]);
    expect(report.problems[0]!.message).toBe('"admin" is invalid as permission of scope "copilot-requests". available values are "write", "none"');
  });
});
