/**
 * `validate` on kustomize bases that only their overlays complete (issue 23, round 3), through the CLI's own entry
 * (run `npm run build` first), on the hand-written corpus case test/fixtures/real-world/kustomize-overlay-bases: an
 * object of a base nothing applies on its own is checked as each overlay builds it, not as written; a base applied
 * on its own, or an overlay that builds it wrong, is still an error.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { copyOfCase, editCase, lineOfText, validateJson } from "./helpers/corpus-copy.js";

interface JsonReport {
  valid: boolean;
  problems: { file: string; line?: number; rule: string; message: string; severity: string }[];
}

const copyOf = (name: string): string => copyOfCase(name, "ccr-real-world-overlays-");

const validate = (dir: string) => validateJson<JsonReport>(dir, ["--strict"]);

const lineOf = lineOfText;

/** Errors as [rule, file, line, the build named in the message]. */
const errors = (report: JsonReport) =>
  report.problems.filter((problem) => problem.severity === "error").map((problem) => [problem.rule, problem.file, problem.line, /\(as (\S+) builds it\)$/.exec(problem.message)?.[1]]);

const CASE = "kustomize-overlay-bases";

describe("an object of a kustomize base that only its overlays complete is checked as each overlay builds it", () => {
  test("a ClusterIssuer whose server the overlays add and a claim whose placeholders they replace are no errors", async () => {
    const dir = copyOf(CASE);
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("an overlay that builds the object wrong is an error at the base's file, naming that overlay", async () => {
    const dir = copyOf(CASE);
    editCase(dir, "storage/large/kustomization.yaml", "- ReadWriteMany", "- ReadWriteSometimes");
    editCase(dir, "issuers/production/kustomization.yaml", "      - op: add\n        path: /spec/acme/server\n", "      - op: add\n        path: /spec/acme/serverUrl\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    const acme = lineOf(dir, "issuers/base/issuer.yaml", "  acme:");
    // The misspelt field the overlay adds is unknown (--strict), and the server it meant is still missing.
    expect(errors(report)).toEqual([
      ["k8s-schema", "issuers/base/issuer.yaml", acme, "issuers/production/kustomization.yaml"],
      ["k8s-unknown-field", "issuers/base/issuer.yaml", acme, "issuers/production/kustomization.yaml"],
      ["k8s-schema", "storage/base/claim.yaml", lineOf(dir, "storage/base/claim.yaml", "    - SET_BY_OVERLAY"), "storage/large/kustomization.yaml"],
    ]);
  });

  test("a mistake in the base that the overlays' strategic merges leave alone is an error in each build (containers merge by name)", async () => {
    const dir = copyOf(CASE);
    const line = editCase(dir, "storage/base/reader.yaml", "imagePullPolicy: IfNotPresent", "imagePullPolicy: Sometimes");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["k8s-schema", "storage/base/reader.yaml", line, "storage/large/kustomization.yaml"],
      ["k8s-schema", "storage/base/reader.yaml", line, "storage/small/kustomization.yaml"],
    ]);
  });

  test("a base applied on its own, by Flux or by a kustomization that lists it without patches, is checked as written", async () => {
    const dir = copyOf(CASE);
    editCase(dir, "clusters/home/issuers.yaml", "path: ./issuers/staging", "path: ./issuers/base");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["k8s-schema", "issuers/base/issuer.yaml", lineOf(dir, "issuers/base/issuer.yaml", "  acme:"), undefined]]);

    const listed = copyOf(CASE);
    writeFileSync(join(listed, "storage", "kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - base\n");
    const again = await validate(listed);
    expect(again.status).toBe(1);
    expect(errors(again.report)).toEqual([["k8s-schema", "storage/base/claim.yaml", lineOf(listed, "storage/base/claim.yaml", "    - SET_BY_OVERLAY"), "storage/kustomization.yaml"]]);
  });
});

describe("kustomize's namespace reaches the webhooks that name a Service of the same build", () => {
  const NAMESPACES = "kustomize-namespace-references";

  test("webhooks written without clientConfig.service.namespace, applied as written or built by an overlay, are no errors", async () => {
    const dir = copyOf(NAMESPACES);
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("without the Service in the build, or without a namespace, the webhook's namespace is still missing", async () => {
    const dir = copyOf(NAMESPACES);
    editCase(dir, "hooks/kustomization.yaml", "  - service.yaml\n", "");
    editCase(dir, "admission/prod/kustomization.yaml", "namespace: admission\n", "");
    // Every line of a file that is `text`, 1-based.
    const linesOf = (file: string, text: string) => readFileSync(join(dir, file), "utf8").split("\n").flatMap((line, at) => (line === text ? [at + 1] : []));
    const [validating, mutating] = linesOf("hooks/webhooks.yaml", "      service:");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["k8s-schema", "admission/base/webhook.yaml", lineOf(dir, "admission/base/webhook.yaml", "      service:"), "admission/prod/kustomization.yaml"],
      ["k8s-schema", "hooks/webhooks.yaml", validating, undefined],
      ["k8s-schema", "hooks/webhooks.yaml", mutating, undefined],
    ]);
  });
});
