/**
 * Where the embedded schemas are corrected against the controllers the blueprints pin (scripts/build-schemas.mjs,
 * ENUM_CORRECTIONS): Flux source-controller v1.9 accepts GitRepository `spec.provider: aws` (AWS CodeCommit), which
 * @kubernetes-models/flux-cd@4 does not know yet.
 */
import { describe, expect, test } from "vitest";
import { createKubernetesValidator } from "../src/validators/kubernetes/index.js";

const gitRepository = (provider: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo, namespace: flux-system}
spec:
  interval: 1m
  url: https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/cluster
  ref: {branch: main}
  provider: ${provider}
`;

describe("Flux GitRepository spec.provider", () => {
  test.each(["generic", "aws", "azure", "github"])("%s is accepted, strict or not", async (provider) => {
    for (const strict of [false, true]) {
      const [result] = await (await createKubernetesValidator({ strict })).validateFile({ path: "git.yaml", content: gitRepository(provider) });
      expect(result?.problems).toEqual([]);
      expect(result?.status).toBe("valid");
    }
  });

  test("anything else is refused with the served values, at its line", async () => {
    const [result] = await (await createKubernetesValidator({ strict: true })).validateFile({ path: "git.yaml", content: gitRepository("gitlab") });
    expect(result?.status).toBe("invalid");
    expect(result?.problems).toEqual([
      expect.objectContaining({ line: 8, rule: "k8s-schema", message: 'spec.provider must be one of "generic", "aws", "azure", "github"' }),
    ]);
  });
});
