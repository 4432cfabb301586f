/**
 * Without `--repo-url`, a folder that is a Git repository's top level is "this repository" for Argo CD paths under
 * its remote URLs (`.git/config`), so the generated CI workflow (`validate --strict .` in a checkout) checks them.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { gitRemoteUrls, readGitCheckout } from "../src/validators/gitops/index.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

const GIT_CONFIG = `[core]
\trepositoryformatversion = 0
\tbare = false
[remote "origin"]
\turl = git@github.com:Acme/kapsule-gpu.git
\tfetch = +refs/heads/*:refs/remotes/origin/*
[branch "main"]
\tremote = origin
[remote "mirror"]
\turl = "https://gitlab.example.com/mirror/kapsule-gpu"
`;

describe("Git remotes as this repository's URLs", () => {
  test("gitRemoteUrls reads every remote's url from .git/config", () => {
    const dir = tempDir("ccr-remotes-");
    mkdirSync(join(dir, ".git"));
    writeFileSync(join(dir, ".git", "config"), GIT_CONFIG);
    expect(gitRemoteUrls(dir)).toEqual(["git@github.com:Acme/kapsule-gpu.git", "https://gitlab.example.com/mirror/kapsule-gpu"]);
    expect(gitRemoteUrls(tempDir("ccr-remotes-"))).toEqual([]);
  });

  test("readGitCheckout reads the branch, the default branch, a linked worktree's and a pull request's checkout", () => {
    const dir = tempDir("ccr-remotes-");
    mkdirSync(join(dir, ".git", "refs", "remotes", "origin"), { recursive: true });
    writeFileSync(join(dir, ".git", "config"), GIT_CONFIG);
    writeFileSync(join(dir, ".git", "HEAD"), "ref: refs/heads/feature/x\n");
    writeFileSync(join(dir, ".git", "refs", "remotes", "origin", "HEAD"), "ref: refs/remotes/origin/main\n");
    expect(readGitCheckout(dir)).toEqual({ remoteUrls: ["git@github.com:Acme/kapsule-gpu.git", "https://gitlab.example.com/mirror/kapsule-gpu"], branch: "feature/x", defaultBranch: "main" });

    // `git worktree add`: a .git file points at the worktree's git directory, whose commondir is the main one.
    const worktree = join(dir, "wt");
    mkdirSync(join(dir, ".git", "worktrees", "wt"), { recursive: true });
    mkdirSync(worktree);
    writeFileSync(join(worktree, ".git"), `gitdir: ${join(dir, ".git", "worktrees", "wt")}\n`);
    writeFileSync(join(dir, ".git", "worktrees", "wt", "commondir"), "../..\n");
    writeFileSync(join(dir, ".git", "worktrees", "wt", "HEAD"), "0123456789abcdef0123456789abcdef01234567\n");
    expect(readGitCheckout(worktree)).toEqual({ remoteUrls: ["git@github.com:Acme/kapsule-gpu.git", "https://gitlab.example.com/mirror/kapsule-gpu"], defaultBranch: "main" });
    expect(readGitCheckout(worktree, { GITHUB_BASE_REF: "release" }).branch).toBe("release");

    // a folder inside the checkout is below its top level, whose remotes and branch it has
    mkdirSync(join(dir, "clusters"));
    expect(readGitCheckout(join(dir, "clusters"))).toEqual({ remoteUrls: ["git@github.com:Acme/kapsule-gpu.git", "https://gitlab.example.com/mirror/kapsule-gpu"], branch: "feature/x", defaultBranch: "main", topLevel: dir, folder: join(dir, "clusters") });
  });

  test("a broken Argo CD path is found in a checkout whose remote is the Application's repoURL", async () => {
    const root = tempDir("ccr-remotes-");
    const repo = join(root, "repo");
    cpSync(join(repoRoot, "test", "golden", "kapsule-gpu-argo"), repo, { recursive: true });
    const file = "clusters/kapsule-gpu/argocd/apps/apps.yaml";
    const lines = readFileSync(join(repo, file), "utf8").split("\n");
    const at = lines.findIndex((line) => /^ {4}path: /.test(line));
    lines[at] = "    path: not-there";
    writeFileSync(join(repo, file), lines.join("\n"));
    const validate = () => runCli(["validate", "--strict", "-o", "json", "."], { cwd: repo });

    // Not a repository: nothing says which URL is this repository.
    expect((await validate()).status).toBe(0);
    // Inside one, below its top level: the top level's remotes say it, and paths are relative to the top level,
    // so a path found there (or in the folder) is no error; one found in neither is.
    mkdirSync(join(root, ".git"));
    writeFileSync(join(root, ".git", "config"), GIT_CONFIG);
    expect((await validate()).status).toBe(1);
    mkdirSync(join(root, "not-there"));
    expect((await validate()).status).toBe(0);

    mkdirSync(join(repo, ".git"));
    writeFileSync(join(repo, ".git", "config"), GIT_CONFIG);
    const run = await validate();
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as { problems: { file: string; line: number; rule: string }[] };
    expect(report.problems).toEqual([expect.objectContaining({ file, line: at + 1, rule: "argo-path-missing" })]);
    // --repo-url still decides when given.
    expect((await runCli(["validate", "--strict", "--repo-url", "https://github.com/other/repo", "."], { cwd: repo })).status).toBe(0);
  });

  test("a kustomize entry leading out of a validated folder is looked for in the rest of the checkout, never outside it", async () => {
    const root = tempDir("ccr-remotes-");
    mkdirSync(join(root, ".git"));
    writeFileSync(join(root, ".git", "config"), GIT_CONFIG);
    mkdirSync(join(root, "manifests", "base"), { recursive: true });
    writeFileSync(join(root, "manifests", "base", "kustomization.yaml"), "resources: [cm.yaml]\n");
    writeFileSync(join(root, "manifests", "base", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: base}\n");
    mkdirSync(join(root, "manifests", "plain"), { recursive: true });
    mkdirSync(join(root, "examples", "helm"), { recursive: true });
    const kustomization = (entry: string) => writeFileSync(join(root, "examples", "helm", "kustomization.yaml"), `resources:\n  - ${entry}\n`);
    const problems = async () => {
      const run = await runCli(["validate", "-o", "json", join(root, "examples")]);
      return (JSON.parse(run.stdout) as { problems: { rule: string; message: string }[] }).problems.map((problem) => problem.message);
    };
    kustomization("../../manifests/base");
    expect(await problems()).toEqual([]);
    kustomization("../../manifests/missing");
    expect(await problems()).toEqual([expect.stringMatching(/"\.\.\/\.\.\/manifests\/missing" does not exist in the repository$/)]);
    kustomization("../../manifests/plain");
    expect(await problems()).toEqual([expect.stringMatching(/is a directory without a kustomization\.yaml$/)]);
    kustomization("../../../elsewhere");
    expect(await problems()).toEqual([expect.stringMatching(/points outside the repository$/)]);
    kustomization("../../.git");
    expect(await problems()).toEqual([expect.stringMatching(/points outside the repository$/)]);
  });
});
