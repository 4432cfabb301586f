/**
 * Secrets: recognisable tokens are planted in the environment (GitHub and cloud credentials), every command runs
 * against a local GitHub and a real git server, and then everything the tool wrote, sent or printed is searched:
 * stdout and stderr, every file of every repository (work tree and .git), every git object and commit, git config,
 * the requests and pull-request bodies the GitHub double received, and the git server's log and repositories.
 * Also: the generated .gitignore keeps state, variables and kubeconfigs out of Git, the CI workflow commits nothing,
 * and every secret-bearing Terraform output of every golden repository is `sensitive = true`.
 */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { spawnCli, tempDir, type CliRun } from "./helpers/cli.js";
import { allFiles } from "./helpers/files.js";
import { repoRoot } from "./helpers/fixtures.js";
import { useGitHubDouble } from "./helpers/github-api-server.js";

const TOKEN = "ghp_CANARYcanary0123456789SECRETtokenXYZ";
const WRONG = "ghp_WRONGcanary0123456789SECRETtokenQRS";
const CLOUD = {
  SCW_ACCESS_KEY: "SCWCANARYACCESSKEY01",
  SCW_SECRET_KEY: "c4n4ry00-0000-4000-8000-5ecret5ecret",
  ARM_CLIENT_SECRET: "arm-canary-client-secret-0123456789",
  OS_PASSWORD: "os-canary-password-0123456789",
  AWS_SECRET_ACCESS_KEY: "aws/canary/secret/access/key/0123456789",
  KUBECONFIG_CANARY: "kubeconfig-canary-0123456789",
};

/** Every form in which a secret could slip out: as is, in a Basic auth header, URL-encoded. */
const forms = (secret: string) => [secret, Buffer.from(`x-access-token:${secret}`).toString("base64"), encodeURIComponent(secret)];
const SECRETS = [TOKEN, WRONG, ...Object.values(CLOUD)].flatMap(forms);


/** What git holds, decompressed: every object (blobs, trees, commits, tags), the full log with patches, the config. */
function gitDump(dir: string): string {
  const run = (...args: string[]) => spawnSync("git", ["-C", dir, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 }).stdout ?? "";
  return [run("cat-file", "--batch-all-objects", "--batch"), run("log", "--all", "-p", "--format=fuller"), run("config", "--list", "--show-origin"), run("reflog", "--all")].join("\n");
}

describe("no token or credential in anything the tool writes, sends or prints", () => {
  const work = tempDir("ccr-secrets-");
  const servers = useGitHubDouble(TOKEN);
  const runs: Array<{ args: string[]; run: CliRun }> = [];
  const cli = async (args: string[], token = TOKEN) => {
    const run = await spawnCli(args, { cwd: work, env: { ...CLOUD, GITHUB_TOKEN: token, GH_TOKEN: token } });
    runs.push({ args, run });
    return run;
  };


  test("every command, successful and failing, leaves no trace of the planted secrets", async () => {
    const fleet = join(work, "fleet");
    const local = join(work, "local");
    const values = join(work, "values.yaml");
    writeFileSync(values, "gpuPool:\n  maxSize: 4\n");
    // Commands that need no repository, side by side with the GitHub flow.
    const standalone = Promise.all([
      cli(["--help"]),
      cli(["--version"]),
      cli(["blueprints"]),
      cli(["blueprints", "show", "kapsule-gpu", "--json"]),
      cli(["-b", "kapsule-gpu", "-y", "--dry-run", "--diff", join(work, "dry")]),
      cli(["-b", "aks-gpu", "-y", "--values", values, "--gitops", "argo", "--output", "json", local]),
      cli(["-b", "kapsule-gpu", "-y", "--set", "gpuPool.size=many", "--verbose", join(work, "bad")]),
      cli(["-b", "kapsule-gpu", "-y", "--github", "octocat/denied", "--github-api-url", servers.api.url, "--verbose", join(work, "denied")], WRONG),
    ]);
    const created = await cli(["-b", "kapsule-gpu", "-y", "--github", "octocat/fleet", "--github-api-url", servers.api.url, fleet]);
    expect(created.status, created.stderr).toBe(0);
    await Promise.all([cli(["plan", fleet, "--set", "gpuPool.maxSize=3", "--diff", "--output", "json"]), cli(["check", fleet]), cli(["validate", "--strict", "--output", "sarif", fleet])]);
    const updated = await cli(["update", fleet, "--set", "gpuPool.maxSize=3", "--pr", "--github-api-url", servers.api.url]);
    expect(updated.status, updated.stderr).toBe(0);
    // Failing network paths: a rejected token on push (git server) and on the API, with --verbose causes.
    const rejectedPush = await cli(["update", fleet, "--set", "gpuPool.maxSize=5", "--pr", "--github-api-url", servers.api.url, "--verbose"], WRONG);
    expect(rejectedPush.status).toBe(1);
    expect(rejectedPush.stderr).toMatch(/authentication to .* failed while pushing .*\. Your local commit [0-9a-f]{12} on .* is kept/);
    const results = await standalone;
    expect(results.map((r) => r.status)).toEqual([0, 0, 0, 0, 0, 0, 2, 1]);
    expect(results[7]!.stderr).toMatch(/GITHUB_TOKEN is missing, invalid or expired/);
    expect(servers.api.state().pulls).toHaveLength(1);

    const leaks: string[] = [];
    const search = (where: string, text: string | Buffer) => {
      for (const secret of SECRETS) if (text.includes(secret)) leaks.push(`${where} contains ${secret.slice(0, 12)}...`);
    };
    for (const { args, run } of runs) search(`output of \`${args.slice(0, 3).join(" ")}...\``, run.stdout + run.stderr);
    const repositories = [fleet, local, servers.git.repoPath("octocat/fleet")];
    for (const file of allFiles(work)) search(file, readFileSync(file));
    for (const file of allFiles(servers.git.root)) search(file, readFileSync(file));
    for (const repo of repositories) {
      expect(existsSync(repo), repo).toBe(true);
      search(`git objects, log and config of ${repo}`, gitDump(repo));
    }
    for (const request of servers.api.requests) search(`request ${request.method} ${request.path}`, `${request.path}\n${request.body ?? ""}`);
    for (const pull of servers.api.state().pulls) search(`pull request #${pull.number}`, `${pull.title}\n${pull.body ?? ""}`);
    search("git server log", servers.git.log.join("\n"));
    expect(leaks).toEqual([]);
    // The searches had something to search: the PR body, the repositories, the server log.
    expect(servers.api.state().pulls[0]!.body).toContain("gpuPool.maxSize");
    expect(servers.git.log.some((line) => line.startsWith("POST /octocat/fleet.git/git-receive-pack 200"))).toBe(true);
    expect(runs.length).toBeGreaterThanOrEqual(14);
    console.log(`secrets: ${runs.length} commands run with ${SECRETS.length} planted secret forms; searched ${allFiles(work).length + allFiles(servers.git.root).length} files, ${repositories.length} repositories' objects, ${servers.api.requests.length} API requests, ${servers.git.log.length} git server log lines: no leak`);
  }, 400_000);
});

describe("generated repositories keep secrets out of Git", () => {
  const goldens = readdirSync(join(repoRoot, "test", "golden")).sort();

  test.each(goldens)("%s: .gitignore covers state, variables and kubeconfigs", async (name) => {
    const dir = join(repoRoot, "test", "golden", name);
    const secret = ["terraform/terraform.tfstate", "terraform/terraform.tfstate.backup", "terraform/.terraform/providers/x", "terraform/prod.tfvars", "terraform/x.auto.tfvars.json", "kubeconfig", "kubeconfig-prod", "admin.kubeconfig", "terraform/plan.tfplan", ".env"];
    const tracked = ["terraform/terraform.tfvars.example", "terraform/main.tf", "cluster-repo.yaml"];
    // One `git check-ignore` for all paths: it prints those it ignores (exit 1 when none is).
    const ignored = await new Promise<Set<string>>((resolve, reject) =>
      execFile("git", ["-c", `core.excludesFile=${join(dir, ".gitignore")}`, "check-ignore", "--no-index", ...secret, ...tracked], { cwd: tempProbe, encoding: "utf8" }, (error, stdout) =>
        error && error.code !== 1 ? reject(error) : resolve(new Set(stdout.split("\n").filter(Boolean))),
      ),
    );
    for (const path of secret) expect(ignored.has(path), `${name}: ${path} should be ignored`).toBe(true);
    for (const path of tracked) expect(ignored.has(path), `${name}: ${path} must stay tracked`).toBe(false);
  });

  test.each(goldens)("%s: the CI workflow commits, pushes and uploads nothing, and prints no secret", (name) => {
    // The validate workflow on GitHub; on GitLab, the validate:* jobs of .gitlab-ci.yml.
    const dir = join(repoRoot, "test", "golden", name);
    const github = join(dir, ".github", "workflows", "validate.yml");
    const workflow = existsSync(github)
      ? readFileSync(github, "utf8")
      : JSON.stringify(Object.entries(parseYaml(readFileSync(join(dir, ".gitlab-ci.yml"), "utf8")) as Record<string, unknown>).filter(([job]) => job.startsWith("validate:")));
    expect(workflow.length).toBeGreaterThan(100);
    expect(workflow).not.toMatch(/git (add|commit|push)|upload-artifact|artifacts|terraform apply|echo .*secrets\.|tfstate|PLAN_|APPLY_/);
  });

  test.each(goldens)("%s: every Terraform output that carries a credential is sensitive", async (name) => {
    const terraform = join(repoRoot, "test", "golden", name, "terraform");
    let secretOutputs = 0;
    for (const file of readdirSync(terraform).filter((f) => f.endsWith(".tf"))) {
      const parsed = (await parseHcl(file, readFileSync(join(terraform, file), "utf8"))) as { output?: Record<string, Array<{ value?: unknown; sensitive?: boolean }>> };
      for (const [output, [block]] of Object.entries(parsed.output ?? {})) {
        const carriesSecret = /kube_?config|kube_admin_config|password|secret|token|private_key|client_key|client_certificate|raw_config|config_file/i.test(`${output} ${JSON.stringify(block?.value)}`);
        if (!carriesSecret) continue;
        secretOutputs++;
        expect(block?.sensitive, `${name}/${file}: output "${output}" carries a credential and must be sensitive = true`).toBe(true);
      }
    }
    if (name.startsWith("aks-gpu")) {
      // AKS disables local accounts: kubectl signs in through Entra ID, so no output may carry a kubeconfig at all.
      expect(secretOutputs, `${name}: outputs carry no kubeconfig`).toBe(0);
    } else {
      // The other blueprints expose a kubeconfig (or credentials to get one); a rename must not make this test vacuous.
      expect(secretOutputs, `${name}: no credential-bearing output found`).toBeGreaterThan(0);
    }
  });

  let tempProbe = "";
  beforeAll(() => {
    tempProbe = join(tempDir("ccr-ignore-"), "probe");
    mkdirSync(tempProbe);
    execFileSync("git", ["init", "-q", tempProbe]);
  });
});
