/**
 * The 8 generated repositories (4 blueprints x Flux/Argo CD) validate clean with `validate --strict`; a copy with
 * four mutations (an unknown field, a wrong type, a removed required provider argument, a broken Flux/Argo path)
 * fails, and each problem names the mutated file, the line of the mutation (computed from the mutated text) and
 * the rule. Runs the built CLI (`npm run build` first).
 */
import { cpSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadProviderTable, providerOfType } from "../src/validators/terraform/provider-tables.js";
import { runCliAsync, tempDir } from "./helpers/cli.js";
import { paramsFixtures, repoRoot } from "./helpers/fixtures.js";

const GOLDEN_DIR = join(repoRoot, "test", "golden");
const CASES = paramsFixtures("valid")
  .map((fixture) => fixture.name)
  .filter((name) => /-(flux|argo)$/.test(name));

interface Expected {
  file: string;
  line: number;
  rule: string;
}

interface JsonReport {
  valid: boolean;
  summary: { resources: number; invalid: number; errors: number };
  problems: { file: string; line: number | null; rule: string; severity: string; message: string }[];
}

function walk(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.isDirectory() ? walk(dir, path) : [path];
    });
}

/** Inserts `text` after the first line matching `after`; returns the 1-based line of the inserted text. */
function insertAfter(dir: string, file: string, after: RegExp, text: string): number {
  const lines = readFileSync(join(dir, file), "utf8").split("\n");
  const at = lines.findIndex((line) => after.test(line));
  if (at < 0) throw new Error(`${file}: no line matches ${after}`);
  lines.splice(at + 1, 0, text);
  writeFileSync(join(dir, file), lines.join("\n"));
  return at + 2;
}

/** Kubernetes manifests a folder walk validates (not kustomization files, workflows or the answers file). */
function plainManifests(dir: string): string[] {
  return walk(dir).filter((file) => {
    if (!/\.ya?ml$/.test(file) || /(^|\/)(\.|terraform\/)/.test(file) || file.endsWith("kustomization.yaml") || file === "cluster-repo.yaml") return false;
    const text = readFileSync(join(dir, file), "utf8");
    return /^kind: /m.test(text) && /^metadata:$/m.test(text);
  });
}

/** (a) an unknown top-level field in the first manifest. */
function unknownField(dir: string, file: string): Expected {
  return { file, line: insertAfter(dir, file, /^kind: /, "bogusField: true"), rule: "k8s-unknown-field" };
}

/** (b) a string where the schema wants an integer (metadata.generation) in another manifest. */
function wrongType(dir: string, file: string): Expected {
  return { file, line: insertAfter(dir, file, /^metadata:$/, '  generation: "not-a-number"'), rule: "k8s-schema" };
}

/** (c) removes the first one-line required argument of a resource the provider tables know. */
async function removedProviderArgument(dir: string): Promise<Expected> {
  const file = "terraform/main.tf";
  const lines = readFileSync(join(dir, file), "utf8").split("\n");
  let block: { type: string; line: number } | undefined;
  for (const [i, line] of lines.entries()) {
    const header = /^resource "([^"]+)" "[^"]+" \{$/.exec(line);
    if (header) {
      block = { type: header[1]!, line: i + 1 };
      continue;
    }
    if (line === "}") block = undefined;
    const argument = /^ {2}(\w+)\s*=\s*(.*)$/.exec(line);
    if (!block || !argument || /[{[(]$/.test(argument[2]!)) continue;
    const table = await loadProviderTable(providerOfType(block.type) ?? "");
    const attribute = table?.resources[block.type]?.attributes[argument[1]!];
    if (attribute?.kind !== "required" || attribute.envDefault) continue;
    lines.splice(i, 1);
    writeFileSync(join(dir, file), lines.join("\n"));
    return { file, line: block.line, rule: "tf-missing-required" };
  }
  throw new Error(`${file}: no one-line required argument to remove`);
}

/** (d) points a Flux Kustomization (or an Argo CD Application into this repository) at a missing folder. */
function brokenGitopsPath(dir: string, gitops: "flux" | "argo"): Expected & { repoUrl?: string } {
  for (const file of walk(dir).filter((path) => path.startsWith("clusters/") && path.endsWith(".yaml"))) {
    const text = readFileSync(join(dir, file), "utf8");
    const lines = text.split("\n");
    if (gitops === "flux" && /^apiVersion: kustomize\.toolkit\.fluxcd\.io\//m.test(text)) {
      const at = lines.findIndex((line) => /^ {2}path: /.test(line));
      if (at < 0) continue;
      lines[at] = "  path: ./does-not-exist";
      writeFileSync(join(dir, file), lines.join("\n"));
      return { file, line: at + 1, rule: "flux-path-missing" };
    }
    const repoUrl = /^ {4}repoURL: "?([^"\n]+)"?$/m.exec(text)?.[1];
    if (gitops === "argo" && /^kind: Application$/m.test(text) && repoUrl !== undefined && !/^ {4}chart: /m.test(text)) {
      const at = lines.findIndex((line) => /^ {4}path: /.test(line));
      if (at < 0) continue;
      lines[at] = "    path: does-not-exist";
      writeFileSync(join(dir, file), lines.join("\n"));
      return { file, line: at + 1, rule: "argo-path-missing", repoUrl };
    }
  }
  throw new Error(`no ${gitops} path to break`);
}

async function validate(dir: string, extra: string[] = []): Promise<{ status: number | null; report: JsonReport; stderr: string }> {
  const run = await runCliAsync(["validate", "--strict", "-o", "json", ...extra, "."], { cwd: dir });
  return { status: run.status, report: JSON.parse(run.stdout) as JsonReport, stderr: run.stderr };
}

describe("validate on mutated copies of the generated repositories", () => {
  test("finds the 8 Flux/Argo CD repositories", () => {
    expect(CASES).toHaveLength(8);
  });

  test.concurrent.each(CASES)("%s: clean as generated, four mutations found at file, line and rule", async (name) => {
    const dir = join(tempDir("ccr-mutations-"), name);
    cpSync(join(GOLDEN_DIR, name), dir, { recursive: true });
    const gitops = name.endsWith("-flux") ? "flux" : "argo";

    const clean = await validate(dir);
    expect(clean.report.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(clean.status).toBe(0);

    const [first, second] = plainManifests(dir);
    if (!first || !second) throw new Error(`${name}: needs two manifests to mutate`);
    const broken = brokenGitopsPath(dir, gitops);
    const expected = [unknownField(dir, first), wrongType(dir, second), await removedProviderArgument(dir), broken];

    const mutated = await validate(dir, broken.repoUrl ? ["--repo-url", broken.repoUrl] : []);
    expect(mutated.status, mutated.stderr).toBe(1);
    expect(mutated.report.valid).toBe(false);
    for (const { file, line, rule } of expected) {
      expect(mutated.report.problems, `${rule} at ${file}:${line}`).toContainEqual(expect.objectContaining({ file, line, rule, severity: "error" }));
    }
    // Nothing else breaks, except the layout check of the Terraform file whose argument was removed.
    const unexpected = mutated.report.problems.filter(
      (p) => p.severity === "error" && !expected.some((e) => e.file === p.file && e.rule === p.rule) && p.rule !== "tf-fmt",
    );
    expect(unexpected).toEqual([]);
  });
});
