import { describe, expect, it } from "vitest";
import type { SourceFile } from "../src/file-tree.js";
import { normaliseRepoUrl, validateGitopsReferences } from "../src/validators/gitops/index.js";
import type { Problem, UnitResult } from "../src/validators/types.js";

const REPO = "https://github.com/acme/fleet";

const GOTK_SYNC = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  url: ssh://git@github.com/acme/fleet
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./clusters/prod
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`;

const APPS = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infra
  namespace: flux-system
spec:
  interval: 10m
  path: ./infrastructure
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  dependsOn:
    - name: infra
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`;

const NVDP = `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: nvdp, namespace: flux-system}
spec: {url: https://nvidia.github.io/k8s-device-plugin, interval: 1h}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: nvidia-device-plugin, namespace: kube-system}
spec:
  interval: 30m
  chart:
    spec:
      chart: nvidia-device-plugin
      version: "0.20.0"
      sourceRef: {kind: HelmRepository, name: nvdp, namespace: flux-system}
`;

function fluxRepo(overrides: Record<string, string | undefined> = {}): SourceFile[] {
  const files: Record<string, string | undefined> = {
    "clusters/prod/flux-system/gotk-sync.yaml": GOTK_SYNC,
    "clusters/prod/flux-system/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-sync.yaml\n",
    "clusters/prod/apps.yaml": APPS,
    "infrastructure/kustomization.yaml": "resources:\n  - nvidia-device-plugin.yaml\n",
    "infrastructure/nvidia-device-plugin.yaml": NVDP,
    "apps/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: demo\nresources:\n  - ../base/demo\n  - https://github.com/acme/shared//deploy?ref=v1\nconfigMapGenerator:\n  - name: settings\n    files:\n      - app.conf=config/app.conf\n",
    "apps/config/app.conf": "level=info\n",
    "base/demo/kustomization.yaml": "resources:\n  - deployment.yaml\n",
    "base/demo/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n",
    ...overrides,
  };
  return Object.entries(files)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([path, content]) => ({ path, content }));
}

function problems(results: UnitResult[], rule?: string): Problem[] {
  return results.flatMap((result) => result.problems).filter((problem) => rule === undefined || problem.rule === rule);
}

function lineOf(content: string, needle: string, from = 0): number {
  const index = content.indexOf(needle, from);
  if (index < 0) throw new Error(`"${needle}" not in fixture`);
  return content.slice(0, index).split("\n").length;
}

describe("validateGitopsReferences: Flux", () => {
  it("accepts a consistent Flux repository", () => {
    const results = validateGitopsReferences(fluxRepo(), { repoUrls: [REPO] });
    expect(problems(results)).toEqual([]);
    expect(results.map((result) => result.label)).toEqual([
      "Kustomization flux-system/flux-system",
      "kustomization clusters/prod/flux-system/kustomization.yaml",
      "Kustomization flux-system/infra",
      "Kustomization flux-system/apps",
      "kustomization infrastructure/kustomization.yaml",
      "HelmRelease kube-system/nvidia-device-plugin",
      "kustomization apps/kustomization.yaml",
      "kustomization base/demo/kustomization.yaml",
    ]);
    expect(results.every((result) => result.status === "valid" && result.validator === "gitops")).toBe(true);
  });

  it("reports a Kustomization path that does not exist, at the line of spec.path", () => {
    const results = validateGitopsReferences(fluxRepo({ "apps/kustomization.yaml": undefined, "apps/config/app.conf": undefined }), { repoUrls: [REPO] });
    expect(problems(results)).toEqual([
      {
        file: "clusters/prod/apps.yaml",
        line: lineOf(APPS, "path: ./apps"),
        resource: "Kustomization flux-system/apps",
        rule: "flux-path-missing",
        path: "spec.path",
        message: 'spec.path "./apps" does not exist in the repository',
        severity: "error",
      },
    ]);
    expect(results.find((result) => result.label === "Kustomization flux-system/apps")?.status).toBe("invalid");
  });

  it("checks paths only for GitRepositories of this repository when repoUrls are given", () => {
    const other = GOTK_SYNC.replace("ssh://git@github.com/acme/fleet", "https://github.com/acme/elsewhere.git");
    const files = fluxRepo({ "clusters/prod/flux-system/gotk-sync.yaml": other, "apps/kustomization.yaml": undefined, "apps/config/app.conf": undefined });
    expect(problems(validateGitopsReferences(files, { repoUrls: [REPO] }), "flux-path-missing")).toEqual([]);
    // without repoUrls the bootstrap source (flux-system) is this repository, whatever its URL
    expect(problems(validateGitopsReferences(files), "flux-path-missing")).toHaveLength(1);
  });

  it("reports missing sources and dependencies", () => {
    const apps = APPS.replace("    - name: infra", "    - name: infra-typo").replace("name: flux-system\n---", "name: flux-sys\n---");
    const release = NVDP.replace("kind: HelmRepository\nmetadata: {name: nvdp, namespace: flux-system}", "kind: HelmRepository\nmetadata: {name: nvdp, namespace: other}");
    const results = validateGitopsReferences(
      fluxRepo({ "clusters/prod/apps.yaml": apps, "infrastructure/nvidia-device-plugin.yaml": release }),
      { repoUrls: [REPO] },
    );
    expect(problems(results).map((problem) => [problem.rule, problem.file, problem.line, problem.path])).toEqual([
      ["flux-source-missing", "clusters/prod/apps.yaml", lineOf(apps, "name: flux-sys\n"), "spec.sourceRef.name"],
      ["flux-dependency-missing", "clusters/prod/apps.yaml", lineOf(apps, "- name: infra-typo"), "spec.dependsOn[0].name"],
      ["flux-source-missing", "infrastructure/nvidia-device-plugin.yaml", lineOf(release, "sourceRef:"), "spec.chart.spec.sourceRef.name"],
    ]);
    expect(problems(results)[2]!.message).toBe(
      "spec.chart.spec.sourceRef names HelmRepository flux-system/nvdp, which is not declared in the repository",
    );
  });

  it("checks HelmRelease chartRef and dependsOn", () => {
    const release = `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: podinfo, namespace: apps}
spec: {url: oci://ghcr.io/stefanprodan/charts/podinfo, interval: 1h}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: apps}
spec:
  interval: 10m
  chartRef: {kind: OCIRepository, name: podinfo}
  dependsOn:
    - name: nvidia-device-plugin
      namespace: kube-system
    - name: cert-manager
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: other, namespace: apps}
spec:
  interval: 10m
  chartRef: {kind: OCIRepository, name: missing-chart}
`;
    const results = validateGitopsReferences(fluxRepo({ "apps/podinfo.yaml": release }));
    expect(problems(results).map((problem) => [problem.rule, problem.line, problem.message])).toEqual([
      ["flux-dependency-missing", lineOf(release, "- name: cert-manager"), "spec.dependsOn[1] names HelmRelease apps/cert-manager, which is not declared in the repository"],
      ["flux-source-missing", lineOf(release, "missing-chart"), "spec.chartRef names OCIRepository apps/missing-chart, which is not declared in the repository"],
    ]);
  });
});

describe("validateGitopsReferences: Argo CD", () => {
  const project = "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: platform\n  namespace: argocd\nspec: {}\n";
  const app = (path: string, projectName: string, repoURL = "git@github.com:acme/fleet.git") => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: demo
  namespace: argocd
spec:
  project: ${projectName}
  source:
    repoURL: ${repoURL}
    targetRevision: main
    path: ${path}
  destination:
    server: https://kubernetes.default.svc
    namespace: demo
`;

  it("accepts an Application whose path and project exist", () => {
    const files = [...fluxRepo(), { path: "argocd/project.yaml", content: project }, { path: "argocd/demo.yaml", content: app("base/demo", "platform") }];
    const results = validateGitopsReferences(files, { repoUrls: [`${REPO}/`] });
    expect(problems(results)).toEqual([]);
    expect(results.find((result) => result.label === "Application argocd/demo")?.status).toBe("valid");
  });

  it("reports a missing path of this repository and an undeclared project", () => {
    const content = app("apps/missing", "plat");
    const results = validateGitopsReferences([...fluxRepo(), { path: "argocd/demo.yaml", content }], { repoUrls: [REPO] });
    expect(problems(results).map((problem) => [problem.rule, problem.line, problem.message])).toEqual([
      ["argo-path-missing", lineOf(content, "path: apps/missing"), 'spec.source.path "apps/missing" does not exist in the repository'],
      ["argo-project-missing", lineOf(content, "project: plat"), 'spec.project "plat" is neither "default" nor an AppProject declared in the repository'],
    ]);
  });

  it("leaves paths of other repositories, charts and templated ApplicationSets alone", () => {
    const other = app("does/not/matter", "default", "https://github.com/acme/other");
    const appSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: clusters, namespace: argocd}
spec:
  generators:
    - list: {elements: [{cluster: prod}]}
  template:
    metadata: {name: "{{cluster}}-apps"}
    spec:
      project: default
      sources:
        - repoURL: https://github.com/acme/fleet.git
          path: "clusters/{{cluster}}"
        - repoURL: https://github.com/acme/fleet.git
          path: clusters/staging
      destination: {server: https://kubernetes.default.svc}
`;
    const results = validateGitopsReferences(
      [...fluxRepo(), { path: "argocd/other.yaml", content: other }, { path: "argocd/set.yaml", content: appSet }],
      { repoUrls: [REPO] },
    );
    expect(problems(results).map((problem) => [problem.rule, problem.path, problem.line])).toEqual([
      ["argo-path-missing", "spec.template.spec.sources[1].path", lineOf(appSet, "path: clusters/staging")],
    ]);
    // without repoUrls the Flux bootstrap source's URL is this repository's; without it nothing is known to be
    expect(problems(validateGitopsReferences([...fluxRepo(), { path: "argocd/set.yaml", content: appSet }]))).toHaveLength(1);
    const noBootstrap = fluxRepo({ "clusters/prod/flux-system/gotk-sync.yaml": undefined, "clusters/prod/flux-system/kustomization.yaml": undefined });
    expect(problems(validateGitopsReferences([...noBootstrap, { path: "argocd/set.yaml", content: appSet }]), "argo-path-missing")).toEqual([]);
  });

  it("normalises repository URLs", () => {
    const forms = ["https://github.com/acme/fleet", "https://github.com/acme/fleet.git", "https://github.com/acme/fleet/", "git@github.com:acme/fleet.git", "ssh://git@github.com/acme/fleet", "https://GitHub.com/Acme/Fleet"];
    expect(new Set(forms.map(normaliseRepoUrl))).toEqual(new Set(["github.com/acme/fleet"]));
  });
});

describe("validateGitopsReferences: kustomize", () => {
  it("reports missing entries at their lines and skips remote ones", () => {
    const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base/demo
  - missing.yaml
  - ../infrastructure/nvidia-device-plugin.yaml
  - config
  - github.com/acme/shared/deploy?ref=v1
patches:
  - path: patch.yaml
configMapGenerator:
  - name: settings
    files:
      - app.conf=config/app.conf
      - config/other.conf
components:
  - ../../outside
`;
    const results = validateGitopsReferences(fluxRepo({ "apps/kustomization.yaml": kustomization }));
    expect(problems(results).map((problem) => [problem.rule, problem.line, problem.message])).toEqual([
      ["kustomize-resource-missing", 5, 'resources[1] "missing.yaml" does not exist in the repository'],
      ["kustomize-resource-missing", 7, 'resources[3] "config" is a directory without a kustomization.yaml'],
      ["kustomize-resource-missing", 10, 'patches[0].path "patch.yaml" does not exist in the repository'],
      ["kustomize-resource-missing", 15, 'configMapGenerator[0].files[1] "config/other.conf" does not exist in the repository'],
      ["kustomize-resource-missing", 17, 'components[0] "../../outside" points outside the repository'],
    ]);
    expect(problems(results)[0]).toMatchObject({ file: "apps/kustomization.yaml", path: "resources[1]" });
  });

  it("reports a resource that one build would emit twice, once, in the smallest build", () => {
    const configMap = (namespace: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${namespace}\ndata: {}\n`;
    const files = fluxRepo({
      "base/demo/kustomization.yaml": "resources:\n  - deployment.yaml\n  - a.yaml\n  - b.yaml\n",
      "base/demo/a.yaml": configMap("one"),
      "base/demo/b.yaml": configMap("two"),
      "apps/kustomization.yaml": "namespace: demo\nresources:\n  - ../base/demo\n",
    });
    const duplicates = problems(validateGitopsReferences(files), "duplicate-resource");
    // distinct namespaces in base/demo; the namespace: of apps/ makes them collide
    expect(duplicates).toEqual([
      expect.objectContaining({ file: "base/demo/b.yaml", line: 4, resource: "apps/kustomization.yaml", path: "metadata.name" }),
    ]);
    expect(duplicates[0]!.message).toBe(
      "ConfigMap demo/settings appears twice in the kustomize build of apps/kustomization.yaml: at base/demo/a.yaml:4 and at base/demo/b.yaml:4",
    );

    const same = fluxRepo({
      "base/demo/kustomization.yaml": "resources:\n  - deployment.yaml\n  - copy.yaml\n",
      "base/demo/copy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
    });
    const reported = problems(validateGitopsReferences(same), "duplicate-resource");
    expect(reported.map((problem) => [problem.resource, problem.file])).toEqual([["base/demo/kustomization.yaml", "base/demo/copy.yaml"]]);
  });

  it("does not treat a Flux Kustomization in a kustomization.yaml file as a kustomize file", () => {
    const files = fluxRepo({ "clusters/prod/kustomization.yaml": APPS.split("---")[0]! });
    const results = validateGitopsReferences(files);
    expect(results.filter((result) => result.file === "clusters/prod/kustomization.yaml").map((result) => result.label)).toEqual(["Kustomization flux-system/infra"]);
  });
});
