/**
 * The embedded Flux schemas follow the controllers the blueprints pin (derived from their CRDs): source-controller
 * v1.9 accepts GitRepository `spec.provider: aws` (AWS CodeCommit), which the @kubernetes-models/flux-cd@4 models the
 * schemas used to come from did not know.
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
