import { describe, expect, test } from "vitest";
import { repoUrlFacts } from "../src/generator/repo-url.js";
import { isPlaceholderUrl } from "../src/validators/gitops/placeholder-urls.js";
import { validateGitopsReferences } from "../src/validators/gitops/index.js";

const file = (path: string, content: string) => ({ path, content });

describe("placeholder repository URLs (the reserved .invalid domain)", () => {
  test.each([
    ["https://repo-url-not-set.invalid/prod.git", true],
    ["ssh://git@git.invalid/acme/prod.git", true],
    ["git@code.invalid:acme/prod.git", true],
    ["https://INVALID/x", true],
    ["oci://registry.invalid/charts", true],
    ["https://github.com/acme/prod.git", false],
    ["ssh://git@github.com/acme/invalid.git", false],
    ["https://invalid.example.com/x.git", false],
    ["git@github.com:acme/invalid", false],
    ["https://example.com/invalid", false],
  ])("%s -> %s", (url, placeholder) => {
    expect(isPlaceholderUrl(url)).toBe(placeholder);
  });

  const placeholderRepo = [
    file("clusters/prod/sync.yaml", "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m0s\n  url: https://repo-url-not-set.invalid/prod.git\n"),
    file("clusters/prod/project.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: prod\nspec:\n  sourceRepos:\n    - https://charts.example.com\n    - https://repo-url-not-set.invalid/prod.git\n"),
    file("clusters/prod/app.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: apps\nspec:\n  project: default\n  sources:\n    - repoURL: https://charts.example.com\n      chart: web\n      targetRevision: 1.0.0\n    - repoURL: https://repo-url-not-set.invalid/prod.git\n      path: apps\n"),
    file("apps/kustomization.yaml", "resources: []\n"),
  ];

  test("validate reports each one with its file, line and the command that sets the URL", () => {
    const problems = validateGitopsReferences(placeholderRepo).flatMap((result) => result.problems);
    expect(problems.map((p) => [p.file, p.line, p.path, p.severity, p.rule])).toEqual([
      ["clusters/prod/sync.yaml", 8, "spec.url", "error", "gitops-placeholder-url"],
      ["clusters/prod/project.yaml", 8, "spec.sourceRepos[1]", "error", "gitops-placeholder-url"],
      ["clusters/prod/app.yaml", 11, "spec.sources[1].repoURL", "error", "gitops-placeholder-url"],
    ]);
    expect(problems[0]!.message).toContain("update --set repoUrl=<url>");
  });

  test("as warnings where the caller says so itself (create, plan, update); real URLs add no result at all", () => {
    const results = validateGitopsReferences(placeholderRepo, { placeholderUrls: "warning" });
    expect(results.every((result) => result.status === "valid")).toBe(true);
    expect(results.flatMap((result) => result.problems).map((p) => p.severity)).toEqual(["warning", "warning", "warning"]);
    const real = placeholderRepo.map((f) => ({ ...f, content: f.content.replaceAll("repo-url-not-set.invalid", "github.com/acme") }));
    expect(validateGitopsReferences(real).filter((result) => result.problems.length > 0)).toEqual([]);
  });
});

describe("repoUrlFacts: what the README's publish and bootstrap steps need", () => {
  test.each([
    ["https://github.com/acme/prod.git", { transport: "https", host: "github.com", path: "acme/prod", github: { owner: "acme", repository: "prod" }, gitlab: null }],
    ["ssh://git@github.com/acme/prod", { transport: "ssh", host: "github.com", path: "acme/prod", github: { owner: "acme", repository: "prod" }, gitlab: null }],
    ["https://gitlab.example.com/group/sub/prod.git", { transport: "https", host: "gitlab.example.com", path: "group/sub/prod", github: null, gitlab: null }],
    ["ssh://git@ghe.example.com:2222/acme/prod.git", { transport: "ssh", host: "ghe.example.com:2222", path: "acme/prod", github: null, gitlab: null }],
    ["http://127.0.0.1:8080/acme/prod.git", { transport: "http", host: "127.0.0.1:8080", path: "acme/prod", github: null, gitlab: null }],
    ["https://github.com/acme/prod/extra", { transport: "https", host: "github.com", path: "acme/prod/extra", github: null, gitlab: null }],
  ])("%s", (url, facts) => {
    expect(repoUrlFacts(url)).toEqual(facts);
  });

  // On a GitLab (forge=gitlab) the namespace may nest groups: `flux bootstrap gitlab --owner` takes the whole path.
  test.each([
    ["https://gitlab.example.com/group/sub/prod.git", { owner: "group/sub", repository: "prod", hostname: "gitlab.example.com", onGitlabCom: false }],
    ["ssh://git@gitlab.com/acme/prod.git", { owner: "acme", repository: "prod", hostname: "gitlab.com", onGitlabCom: true }],
    ["https://gitlab.com/prod.git", null],
  ])("on GitLab: %s", (url, gitlab) => {
    expect(repoUrlFacts(url, "gitlab")).toMatchObject({ github: null, gitlab });
  });
});
