/**
 * Issue 21 (and 23 item 7): what Flux or Argo CD would apply, `validate` validates, and the folder walk follows
 * symbolic links only inside the repository:
 * - a privileged Pod saved as `values.yaml` (or in a dot-folder, or named like a Compose file) under a path Flux or
 *   Argo CD applies is validated and fails `--pod-security restricted`, the gate the generated CI runs;
 * - a manifest committed as a symbolic link is validated; a link out of the repository, into .git/ or to a
 *   git-ignored file is refused by name and never read (its content appears nowhere); a symlinked variables.tf and a
 *   symlinked kustomize resource count; a link loop ends.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCli, tempDir } from "./helpers/cli.js";

const work = tempDir("ccr-trust-walk-");
let counter = 0;

/** A repository from `files` (path -> content, or { link } for a symbolic link). */
function repository(files: Record<string, string | { link: string }>): string {
  const root = join(work, `repo-${counter++}`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    if (typeof content === "string") writeFileSync(join(root, path), content);
    else symlinkSync(content.link, join(root, path));
  }
  return root;
}

const PRIVILEGED_POD = `apiVersion: v1
kind: Pod
metadata: {name: evil, namespace: default}
spec:
  hostPID: true
  containers:
    - name: c
      image: busybox:1.37
      securityContext: {privileged: true}
`;
const SOURCE = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec: {interval: 1m, url: https://github.com/example/fleet, ref: {branch: main}}
`;
const fluxKustomization = (path: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: prod, namespace: flux-system}
spec: {interval: 10m, path: ${path}, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
`;
const argoApplication = (path: string, recurse: boolean) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: prod, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://github.com/example/fleet, targetRevision: main, path: ${path}${recurse ? ", directory: {recurse: true}" : ""}}
  destination: {server: https://kubernetes.default.svc, namespace: default}
`;

interface Report {
  summary: { resources: number; valid: number; invalid: number; errors: number };
  problems: { file: string; rule: string; message: string; severity: string }[];
  resources: { file: string; validator: string; status: string }[];
}

/** Files the walk left out, relative to the repository. */
const leftOut = (report: Report) => report.resources.filter((unit) => unit.validator === "walk").map((unit) => unit.file.replace(/^.*repo-\d+\//, ""));

async function validate(root: string, ...flags: string[]): Promise<{ status: number | null; report: Report; stdout: string }> {
  const run = await runCli(["validate", "-o", "json", "--pod-security", "restricted", "--repo-url", "https://github.com/example/fleet", ...flags, root]);
  return { status: run.status, report: JSON.parse(run.stdout) as Report, stdout: run.stdout };
}

const files = (report: Report, rule: string) => [...new Set(report.problems.filter((problem) => problem.rule === rule).map((problem) => problem.file.replace(/^.*repo-\d+\//, "")))].sort();

describe("no file name hides a manifest that Flux or Argo CD applies", () => {
  test("a Flux path without kustomization.yaml: values.yaml, a dot-folder and a Compose name are validated; values elsewhere stay left out", async () => {
    const root = repository({
      "flux-system/sync.yaml": `${SOURCE}---\n${fluxKustomization("./clusters/prod")}`,
      "clusters/prod/values.yaml": PRIVILEGED_POD,
      "clusters/prod/.hidden/pod.yaml": PRIVILEGED_POD,
      "clusters/prod/sub/docker-compose.yaml": PRIVILEGED_POD,
      "charts/web/values.yaml": "replicaCount: 2\n",
    });
    const { status, report } = await validate(root);
    expect(status).toBe(1);
    expect(files(report, "pod-security/hostNamespaces")).toEqual(["clusters/prod/.hidden/pod.yaml", "clusters/prod/sub/docker-compose.yaml", "clusters/prod/values.yaml"]);
    expect(report.problems).toContainEqual(expect.objectContaining({ rule: "applied-by-gitops", severity: "warning", message: expect.stringContaining("Flux Kustomization flux-system/prod (flux-system/sync.yaml), which applies every YAML file below clusters/prod") }));
    expect(leftOut(report)).toEqual(["charts/web/values.yaml"]);
  });

  test("a Kustomization of an OCI artifact made elsewhere applies none of this repository's files; one of the bootstrap artifact does", async () => {
    const ociKustomization = (name: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: ${name}, namespace: flux-system}
spec: {interval: 10m, url: oci://ghcr.io/example/${name}, ref: {tag: v1.0.0}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: ${name}, namespace: flux-system}
spec: {interval: 10m, path: ./, prune: true, sourceRef: {kind: OCIRepository, name: ${name}}}
`;
    const files = { "docs/mkdocs.yaml": "site_name: ops\nnav: [index.md]\n", "apps/ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n" };
    const foreign = await validate(repository({ "flux/config.yaml": ociKustomization("flux-manifests"), ...files }));
    expect(foreign.status).toBe(0);
    expect(leftOut(foreign.report)).toEqual(["docs/mkdocs.yaml"]);
    // The bootstrap source (a CI job may push this repository as flux-system's artifact): its root is applied.
    const bootstrap = await validate(repository({ "flux/config.yaml": ociKustomization("flux-system"), ...files }));
    expect(bootstrap.status).toBe(1);
    expect(bootstrap.report.problems).toContainEqual(expect.objectContaining({ rule: "applied-by-gitops", file: expect.stringMatching(/docs\/mkdocs\.yaml$/) }));
  });

  test("an archive in a dot-folder that nothing applies: its broken references and Terraform are not checked; applied, they are", async () => {
    const archived = {
      "flux-system/sync.yaml": `${SOURCE}---\n${fluxKustomization("./clusters/prod")}`,
      "clusters/prod/ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n",
      ".archive/old-app/ks.yaml": fluxKustomization("./gone").replace("name: prod", "name: old-app").replace("name: flux-system}", "name: retired-source}"),
      ".archive/infra/main.tf": 'resource "scaleway_k8s_cluster" "old" {\n  nonsense = true\n}\n',
    };
    const quiet = await validate(repository(archived));
    expect(quiet.report.problems).toEqual([]);
    expect(quiet.status).toBe(0);
    // The same archive inside a path Flux applies is checked, and its broken source reference fails.
    const applied = await validate(repository({ ...archived, "flux-system/sync.yaml": `${SOURCE}---\n${fluxKustomization("./")}` }));
    expect(applied.status).toBe(1);
    expect(files(applied.report, "flux-source-missing")).toEqual([".archive/old-app/ks.yaml"]);
  });

  test("a Flux path with kustomization.yaml: a values.yaml it lists as a resource is validated", async () => {
    const root = repository({
      "flux-system/sync.yaml": `${SOURCE}---\n${fluxKustomization("./apps")}`,
      "apps/kustomization.yaml": "resources:\n  - values.yaml\n",
      "apps/values.yaml": PRIVILEGED_POD,
    });
    const { status, report } = await validate(root);
    expect(status).toBe(1);
    expect(files(report, "pod-security/privileged")).toEqual(["apps/values.yaml"]);
  });

  test("an Argo CD directory source with recurse: YAML below the path is validated whatever its name", async () => {
    const root = repository({
      "argocd/app.yaml": argoApplication("workloads", true),
      "workloads/nested/values-prod.yaml": PRIVILEGED_POD,
      "workloads/compose.yaml": PRIVILEGED_POD,
    });
    const { status, report } = await validate(root);
    expect(status).toBe(1);
    expect(files(report, "pod-security/privileged")).toEqual(["workloads/compose.yaml", "workloads/nested/values-prod.yaml"]);
  });

  test("without recurse, Argo CD applies the folder's own files only: a values file below it stays left out", async () => {
    const root = repository({
      "argocd/app.yaml": argoApplication("workloads", false),
      "workloads/nested/values.yaml": "replicaCount: 2\n",
      "workloads/ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n",
    });
    const { status, report } = await validate(root);
    expect(status).toBe(0);
    expect(leftOut(report)).toEqual(["workloads/nested/values.yaml"]);
  });
});

describe("symbolic links in the folder walk", () => {
  const outside = join(work, "outside-secret.yaml");
  writeFileSync(outside, "apiVersion: v1\nkind: Secret\nmetadata: {name: outside-marker-7f3a}\nstringData: {token: outside-marker-7f3a}\n");

  test("a manifest committed as a link inside the repository is validated; links out, into .git/ and to ignored files are refused by name, unread", async () => {
    const root = repository({
      ".gitignore": ".envrc\n*.tfstate\n",
      ".envrc": "export TOKEN=envrc-marker-91c2\n",
      ".git/config": "[core]\n\tbare = false\n# git-config-marker-4d1e\n",
      "terraform/prod.tfstate": '{"secret": "tfstate-marker-22b8"}\n',
      "base/pod.yaml": PRIVILEGED_POD,
      "apps/pod.yaml": { link: "../base/pod.yaml" },
      "apps/outside.yaml": { link: outside },
      "apps/git.yaml": { link: "../.git/config" },
      "apps/env.yaml": { link: "../.envrc" },
      "apps/state.json": { link: "../terraform/prod.tfstate" },
      "apps/loop": { link: ".." },
    });
    const { status, report, stdout } = await validate(root);
    expect(status).toBe(1);
    expect(files(report, "pod-security/privileged")).toEqual(["apps/pod.yaml", "base/pod.yaml"]);
    const refused = report.problems.filter((problem) => problem.rule === "symlink-refused").map((problem) => [problem.file.replace(/^.*repo-\d+\//, ""), problem.message.replace(/^.*?: /, "")]);
    expect(refused.sort()).toEqual([
      ["apps/env.yaml", "it leads to .envrc, which .gitignore keeps out of Git; not followed; replace it with the file itself, or exclude it with --ignore-filename-pattern"],
      ["apps/git.yaml", "it leads into .git/ (.git/config); not followed; replace it with the file itself, or exclude it with --ignore-filename-pattern"],
      ["apps/loop", expect.stringContaining("root folder")],
      ["apps/outside.yaml", `it leads outside the repository (to ${outside}); not followed; replace it with the file itself, or exclude it with --ignore-filename-pattern`],
      ["apps/state.json", "it leads to terraform/prod.tfstate, which .gitignore keeps out of Git; not followed; replace it with the file itself, or exclude it with --ignore-filename-pattern"],
    ]);
    for (const marker of ["outside-marker-7f3a", "envrc-marker-91c2", "git-config-marker-4d1e", "tfstate-marker-22b8"]) expect(stdout).not.toContain(marker);
  });

  test("a symlinked variables.tf counts for its module, and a symlinked folder serves a kustomize resource", async () => {
    const root = repository({
      "shared/variables.tf": 'variable "region" {\n  type = string\n}\n',
      "terraform/main.tf": 'output "region" {\n  value = var.region\n}\n',
      "terraform/variables.tf": { link: "../shared/variables.tf" },
      "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
      "overlay/linked": { link: "../base" },
      "overlay/kustomization.yaml": "resources:\n  - linked/cm.yaml\n",
    });
    const { status, report } = await validate(root);
    expect(report.problems).toEqual([]);
    expect(status).toBe(0);
    expect(report.summary.resources).toBe(2); // base/cm.yaml and overlay/linked/cm.yaml
  });
});
