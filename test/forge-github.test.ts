import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ForgeError } from "../src/errors.js";
import { createForge, GitHubForge } from "../src/forge/index.js";
import { commitAll, initRepository, pushBranch } from "../src/git/repo.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";
import { startGitHubApiServer, type GitHubApiServer } from "./helpers/github-api-server.js";

const TOKEN = "ghp_forgeTestTokenSECRET0123456789";
let git: GitHttpServer;
let api: GitHubApiServer;
let counter = 0;
const sandbox = mkdtempSync(path.join(os.tmpdir(), "ccr-forge-test-"));

function forge(token = TOKEN): GitHubForge {
  return new GitHubForge({ token, baseUrl: api.url, retryAfterBaseValue: 1 });
}

function uniqueName(prefix = "fleet"): string {
  return `${prefix}-${++counter}`;
}

async function forgeFailure(promise: Promise<unknown>): Promise<ForgeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ForgeError);
  expect((error as ForgeError).message).not.toContain(TOKEN);
  expect((error as ForgeError).exitCode).toBe(1);
  return error as ForgeError;
}

/** Method and path (without query) of the requests made since `from`. */
function callsSince(from: number): string[] {
  return api.requests.slice(from).map((r) => `${r.method} ${r.path.split("?")[0]} ${r.status}`);
}

beforeAll(async () => {
  git = await startGitHttpServer({ auth: { username: "x-access-token", password: TOKEN } });
  api = await startGitHubApiServer({ login: "octocat", token: TOKEN, organizations: ["acme"], users: ["someone-else"], git });
});

afterEach(() => {
  // Every request the real Octokit made, and every answer of the double, must match GitHub's OpenAPI description.
  expect(api.takeViolations()).toEqual([]);
  expect(api.clearInjected()).toBe(0);
});

afterAll(async () => {
  await api?.close();
  await git?.close();
  rmSync(sandbox, { recursive: true, force: true });
});

describe("ensureRepository", () => {
  test("creates a user repository, whose clone URL accepts a push, and finds it on the next run", async () => {
    const name = uniqueName();
    const first = await forge().ensureRepository({ owner: "octocat", repo: name, private: true, description: "GitOps repo" });
    expect(first).toEqual({ created: true, cloneUrl: api.repoUrl(`octocat/${name}`), htmlUrl: `https://github.example/octocat/${name}`, defaultBranch: "main" });
    expect(api.state().repositories).toContainEqual({ owner: "octocat", name, private: true, description: "GitOps repo" });

    const dir = path.join(sandbox, name);
    await initRepository(dir);
    await writeFile(path.join(dir, "README.md"), "# fleet\n");
    const { sha } = await commitAll(dir, "initial");
    await pushBranch(dir, { remoteUrl: first.cloneUrl, branch: first.defaultBranch, token: TOKEN });
    const { stdout } = await promisify(execFile)("git", ["rev-parse", "refs/heads/main"], { cwd: git.repoPath(`octocat/${name}`) });
    expect(stdout.trim()).toBe(sha);

    const before = api.requests.length;
    expect(await forge().ensureRepository({ owner: "octocat", repo: name, private: true })).toMatchObject({ created: false, cloneUrl: first.cloneUrl });
    expect(callsSince(before)).toEqual([`GET /repos/octocat/${name} 200`]);
  });

  test("creates an organization repository with POST /orgs/{org}/repos", async () => {
    const name = uniqueName();
    const before = api.requests.length;
    const result = await forge().ensureRepository({ owner: "acme", repo: name, private: false });
    expect(result.created).toBe(true);
    expect(callsSince(before)).toEqual([`GET /repos/acme/${name} 404`, "GET /user 200", "GET /users/acme 200", `POST /orgs/acme/repos 201`]);
    expect(api.state().repositories).toContainEqual({ owner: "acme", name, private: false, description: null });
  });

  test("an existing repository is returned as is", async () => {
    const name = uniqueName();
    await api.seedRepository("acme", name, { private: true });
    const before = api.requests.length;
    expect(await forge().ensureRepository({ owner: "acme", repo: name, private: false })).toMatchObject({ created: false, defaultBranch: "main" });
    expect(callsSince(before)).toEqual([`GET /repos/acme/${name} 200`]);
  });

  test("a repository created meanwhile (422 already exists) is used instead of failing", async () => {
    const name = uniqueName();
    await api.seedRepository("octocat", name);
    api.failNext(1, 404, { method: "GET", path: new RegExp(`/repos/octocat/${name}$`) });
    const before = api.requests.length;
    expect(await forge().ensureRepository({ owner: "octocat", repo: name, private: true })).toMatchObject({ created: false });
    expect(callsSince(before)).toEqual([`GET /repos/octocat/${name} 404`, "GET /user 200", "POST /user/repos 422", `GET /repos/octocat/${name} 200`]);
  });

  test("refuses to create under another user's account, and names an unknown owner", async () => {
    const other = await forgeFailure(forge().ensureRepository({ owner: "someone-else", repo: uniqueName(), private: true }));
    expect(other.message).toMatch(/someone-else: it is another user's account and the token belongs to octocat/);
    const unknown = await forgeFailure(forge().ensureRepository({ owner: "nobody-here", repo: uniqueName(), private: true }));
    expect(unknown.status).toBe(404);
    expect(unknown.message).toMatch(/nobody-here: no such user or organization/);
  });
});

describe("upsertPullRequest", () => {
  const pr = (repo: string, title: string) => ({ owner: "octocat", repo, head: "create-cluster-repo/prod", base: "main", title, body: `${title} body` });

  test("creates a pull request, then updates the same one on the next run", async () => {
    const repo = uniqueName();
    await api.seedRepository("octocat", repo);
    const created = await forge().upsertPullRequest(pr(repo, "Add prod cluster"));
    expect(created).toEqual({ number: 1, url: `https://github.example/octocat/${repo}/pull/1`, created: true });

    const before = api.requests.length;
    const updated = await forge().upsertPullRequest(pr(repo, "Add prod cluster (v2)"));
    expect(updated).toEqual({ ...created, created: false });
    expect(callsSince(before)).toEqual([`GET /repos/octocat/${repo}/pulls 200`, `PATCH /repos/octocat/${repo}/pulls/1 200`]);
    const pulls = api.state().pulls.filter((p) => p.repo === `octocat/${repo}`);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ title: "Add prod cluster (v2)", body: "Add prod cluster (v2) body", state: "open" });
  });

  test("a 422 'pull request already exists' from a concurrent run ends in an update, not a duplicate", async () => {
    const repo = uniqueName();
    await api.seedRepository("octocat", repo);
    const number = api.seedPullRequest("octocat", repo, { head: "create-cluster-repo/prod", base: "main", title: "from the other run" });
    // The list is stale (the other run's PR is not in it yet), so the forge tries to create and gets the real 422.
    api.injectNext(1, { status: 200, body: [], method: "GET", path: /\/pulls$/ });
    const before = api.requests.length;
    const result = await forge().upsertPullRequest(pr(repo, "Add prod cluster"));
    expect(result).toEqual({ number, url: `https://github.example/octocat/${repo}/pull/${number}`, created: false });
    expect(callsSince(before)).toEqual([
      `GET /repos/octocat/${repo}/pulls 200`,
      `POST /repos/octocat/${repo}/pulls 422`,
      `GET /repos/octocat/${repo}/pulls 200`,
      `PATCH /repos/octocat/${repo}/pulls/${number} 200`,
    ]);
    expect(api.state().pulls.filter((p) => p.repo === `octocat/${repo}`)).toHaveLength(1);
  });

  test("other validation failures (422) carry GitHub's details", async () => {
    const repo = uniqueName();
    await api.seedRepository("octocat", repo);
    api.failNext(1, 422, {
      method: "POST",
      body: {
        message: "Validation Failed",
        documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
        errors: [{ resource: "PullRequest", code: "custom", message: "No commits between main and create-cluster-repo/prod" }],
      },
    });
    const error = await forgeFailure(forge().upsertPullRequest(pr(repo, "x")));
    expect(error.status).toBe(422);
    expect(error.message).toBe(
      `GitHub rejected the request to open a pull request from create-cluster-repo/prod into main in octocat/${repo}: Validation Failed: No commits between main and create-cluster-repo/prod`,
    );
  });

  test("a missing repository is a 404 that names it", async () => {
    const error = await forgeFailure(forge().upsertPullRequest(pr("does-not-exist", "x")));
    expect(error.status).toBe(404);
    expect(error.message).toMatch(/repository octocat\/does-not-exist not found or not visible to this token/);
  });
});

describe("errors and retries", () => {
  test("401: a bad token says what to do, and never shows the token", async () => {
    const error = await forgeFailure(forge(`${TOKEN}-revoked`).getAuthenticatedUser());
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/GITHUB_TOKEN is missing, invalid or expired: create a token with the `repo` scope/);
    expect(error.message).not.toContain(`${TOKEN}-revoked`);
    expect(() => new GitHubForge({ token: "" })).toThrow(/GITHUB_TOKEN is missing/);
  });

  test("403: a missing OAuth scope is named", async () => {
    api.failNext(1, 403, {
      method: "POST",
      body: { message: "Resource not accessible by personal access token", documentation_url: "https://docs.github.com/rest", status: "403" },
      headers: { "x-oauth-scopes": "read:org, gist", "x-accepted-oauth-scopes": "repo" },
    });
    const error = await forgeFailure(forge().ensureRepository({ owner: "octocat", repo: uniqueName(), private: true }));
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/the token lacks the `repo` scope \(it has: read:org, gist\); create a token with the `repo` scope/);
  });

  test("403: a missing fine-grained permission is named", async () => {
    const repo = uniqueName();
    await api.seedRepository("octocat", repo);
    api.failNext(1, 403, {
      method: "POST",
      body: { message: "Resource not accessible by personal access token", documentation_url: "https://docs.github.com/rest", status: "403" },
      headers: { "x-accepted-github-permissions": "pull_requests=write" },
    });
    const error = await forgeFailure(forge().upsertPullRequest({ owner: "octocat", repo, head: "feature", base: "main", title: "t", body: "b" }));
    expect(error.message).toMatch(/the token lacks a permission GitHub requires here \(pull_requests=write\)/);
  });

  test("403 rate limit: retried, then succeeds", async () => {
    api.failNext(1, 403);
    const before = api.requests.length;
    expect(await forge().getAuthenticatedUser()).toEqual({ login: "octocat" });
    expect(callsSince(before)).toEqual(["GET /user 403", "GET /user 200"]);
  });

  test("429 secondary rate limit: retried, then succeeds", async () => {
    api.failNext(1, 429);
    const before = api.requests.length;
    expect(await forge().getAuthenticatedUser()).toEqual({ login: "octocat" });
    expect(callsSince(before).at(-1)).toBe("GET /user 200");
    expect(callsSince(before)[0]).toBe("GET /user 429");
  });

  test("403 rate limit that persists: a clear error after a few retries", async () => {
    api.failNext(3, 403, { method: "GET", path: /^\/user$/ });
    const before = api.requests.length;
    const error = await forgeFailure(forge().getAuthenticatedUser());
    expect(error.message).toMatch(/GitHub API rate limit exceeded \(resets at .*\); wait and re-run/);
    expect(callsSince(before)).toEqual(["GET /user 403", "GET /user 403", "GET /user 403"]);
  });

  test("5xx: retried with backoff, then succeeds", async () => {
    const name = uniqueName();
    api.failNext(2, 503, { method: "POST" });
    const before = api.requests.length;
    expect(await forge().ensureRepository({ owner: "octocat", repo: name, private: true })).toMatchObject({ created: true });
    expect(callsSince(before)).toEqual([`GET /repos/octocat/${name} 404`, "GET /user 200", "POST /user/repos 503", "POST /user/repos 503", "POST /user/repos 201"]);
  });

  test("5xx that persists: a ForgeError after the retries", async () => {
    api.failNext(3, 500);
    const before = api.requests.length;
    const error = await forgeFailure(forge().getAuthenticatedUser());
    expect(error.status).toBe(500);
    expect(error.message).toBe("failed to identify the token's account: GitHub answered 500: Server Error; re-run later");
    expect(callsSince(before)).toHaveLength(3);
  });

  test("an unreachable API is a network error", async () => {
    const offline = new GitHubForge({ token: TOKEN, baseUrl: "http://127.0.0.1:9", retries: 0, retryAfterBaseValue: 1 });
    const error = await forgeFailure(offline.getAuthenticatedUser());
    expect(error.message).toMatch(/cannot reach GitHub/);
  });

  test("createForge builds a GitHub forge for an API URL", async () => {
    const built = createForge({ kind: "github", token: TOKEN, apiUrl: api.url });
    expect(await built.getAuthenticatedUser()).toEqual({ login: "octocat" });
  });
});

describe("the GitHub double checks traffic against the OpenAPI description", () => {
  test("a response that breaks the schema is reported", async () => {
    api.injectNext(1, { status: 200, body: { login: 42 }, method: "GET", path: /^\/user$/ });
    await forge().getAuthenticatedUser().catch(() => undefined);
    expect(api.takeViolations().join("\n")).toMatch(/GET \/user -> 200: \/ must have required property 'avatar_url'/);
  });

  test("a request that breaks the schema, or an unknown endpoint, is reported", async () => {
    const headers = { authorization: `token ${TOKEN}`, "content-type": "application/json" };
    await fetch(`${api.url}/user/repos`, { method: "POST", headers, body: JSON.stringify({ name: 5, private: "yes" }) });
    await fetch(`${api.url}/repos/octocat/x/pulls?state=weird`, { headers });
    await fetch(`${api.url}/definitely/not/an/endpoint`, { headers });
    const violations = api.takeViolations().join("\n");
    expect(violations).toMatch(/POST \/user\/repos: request body \/name must be string/);
    expect(violations).toMatch(/POST \/user\/repos: request body \/private must be boolean/);
    expect(violations).toMatch(/query parameter state=weird: .*must be equal to one of the allowed values/);
    expect(violations).toMatch(/GET \/definitely\/not\/an\/endpoint: no such operation/);
  });
});
