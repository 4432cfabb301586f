/**
 * kubeconform's own fixtures, run through our validator with the same schemas kubeconform v0.7.0 used
 * (../shared/schemas, Kubernetes 1.32.2): the summary counts, the exit decision and each failing resource's status,
 * kind, name and error paths must match expected.json. Deliberate differences: docs/kubeconform-differences.md.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { createKubernetesValidator, type KubernetesValidator } from "../src/validators/kubernetes/index.js";
import { summarize, type UnitResult } from "../src/validators/types.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const shared = resolve(repoRoot, "../shared");
const peerDir = join(shared, "peer-tests/kubeconform");
const available = existsSync(join(peerDir, "expected.json"));

interface ExpectedCase {
  file: string;
  strict: boolean;
  exit: number;
  summary: { valid: number; invalid: number; errors: number; skipped: number };
  resources: { status: string; kind: string; name: string; errors: string[] }[];
}

const STATUS_NAMES: Record<string, string> = { invalid: "statusInvalid", error: "statusError", skipped: "statusSkipped", valid: "statusValid" };

/** `spec.ports[0]["a.b"]` -> `/spec/ports/0/a.b`, kubeconform's error path form. */
function pointer(path: string | undefined): string {
  if (!path) return "";
  const parts: string[] = [];
  for (const match of path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g)) {
    parts.push(match[1] ?? (match[2] ? (JSON.parse(match[2]) as string) : (match[3] as string)));
  }
  return parts.map((part) => `/${part.replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

function filesOf(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .map((name) => join(path, name))
    .filter((file) => /\.(ya?ml|json)$/.test(file));
}

describe.skipIf(!available)("kubeconform peer fixtures (../shared/peer-tests/kubeconform)", () => {
  const expected = available ? (JSON.parse(readFileSync(join(peerDir, "expected.json"), "utf8")) as { kubernetesVersion: string; cases: ExpectedCase[] }) : { kubernetesVersion: "", cases: [] };
  const validators = new Map<boolean, KubernetesValidator>();

  beforeAll(async () => {
    for (const strict of [false, true]) {
      validators.set(
        strict,
        await createKubernetesValidator({
          strict,
          kubernetesVersion: expected.kubernetesVersion,
          schemaLocations: [join(shared, "schemas/kubernetes"), join(shared, "schemas/crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json")],
        }),
      );
    }
  });

  it.each(expected.cases.map((c) => [`${c.file}${c.strict ? " (strict)" : ""}`, c] as const))("%s", async (_name, testCase) => {
    const validator = validators.get(testCase.strict) as KubernetesValidator;
    const results: UnitResult[] = [];
    for (const file of filesOf(join(peerDir, testCase.file))) {
      results.push(...(await validator.validateFile({ path: file, content: readFileSync(file, "utf8") })));
    }
    const report = summarize(results);
    const { valid, invalid, errors, skipped } = report.summary;
    expect({ valid, invalid, errors, skipped }).toEqual(testCase.summary);
    expect(report.valid ? 0 : 1).toBe(testCase.exit);
    const failing = results
      .filter((result) => result.status !== "valid")
      .map((result) => ({
        status: STATUS_NAMES[result.status],
        kind: result.resource?.kind ?? "",
        name: result.resource?.name ?? "",
        errors: result.status === "invalid" ? [...new Set(result.problems.map((problem) => pointer(problem.path)))].sort() : [],
      }));
    expect(failing).toEqual(testCase.resources.map((resource) => ({ ...resource, errors: [...new Set(resource.errors)].sort() })));
  });
});

if (!available) {
  describe("kubeconform peer fixtures", () => {
    it.skip(`skipped: ${peerDir} is absent (the peer suite needs ../shared beside the repository)`, () => {});
  });
}
