/**
 * GitLabForge (src/forge/gitlab.ts: @gitbeaker/core on the tool's own transport) against the GitLab double, whose
 * routes, parameters and answers are held to GitLab's documented contract (helpers/gitlab-api-contract.ts): projects
 * in a user namespace, a group and a subgroup, merge requests opened then updated on their source branch, notes, and
 * the failures a real instance gives (401, 404, races, 503, a slow or redirecting server).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ForgeError } from "../src/errors.js";
import { createForge, GitLabForge } from "../src/forge/index.js";
import { startGitLabApiServer, type GitLabApiServer } from "./helpers/gitlab-api-server.js";

const TOKEN = "glpat-ForgeTestTokenSECRET0123456789";
let api: GitLabApiServer;
let counter = 0;
const name = (prefix = "fleet") => `${prefix}-${++counter}`;
const forge = (options: Partial<ConstructorParameters<typeof GitLabForge>[0]> = {}) => new GitLabForge({ token: TOKEN, apiUrl: `${api.url}/api/v4`, retryAfterBaseValue: 1, ...options });

async function forgeFailure(promise: Promise<unknown>): Promise<ForgeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ForgeError);
  expect((error as ForgeError).message).not.toContain(TOKEN);
  expect(String((error as ForgeError).cause ?? "")).not.toContain(TOKEN);
  return error as ForgeError;
}

beforeAll(async () => {
  api = await startGitLabApiServer({ username: "root", token: TOKEN, groups: ["acme", "acme/platform"], users: ["someone-else"] });
});
afterEach(() => expect(api.takeViolations()).toEqual([]));
afterAll(async () => api?.close());

describe("projects", () => {
  test("created in the token's own namespace without a namespace_id, then found again as it is", async () => {
    const repo = name();
    const created = await forge().ensureRepository({ owner: "root", repo, private: true, description: "fleet" });
    expect(created).toMatchObject({ created: true, cloneUrl: `${api.url}/root/${repo}.git`, htmlUrl: `${api.url}/root/${repo}` });
    expect(api.project(`root/${repo}`)).toMatchObject({ visibility: "private", namespace: { kind: "user" } });
    const body = JSON.parse(api.requests.findLast((r) => r.method === "POST")!.body!);
    expect(body).not.toHaveProperty("namespace_id");
    expect(await forge().ensureRepository({ owner: "root", repo, private: false })).toMatchObject({ created: false });
    expect(api.project(`root/${repo}`)!.visibility).toBe("private");
  });

  test.each([["acme"], ["acme/platform"]])("created in group %s (subgroups too) with its namespace_id, public when asked", async (group) => {
    const repo = name();
    const created = await forge().ensureRepository({ owner: group, repo, private: false, autoInit: true });
    expect(created).toMatchObject({ created: true, defaultBranch: "main", cloneUrl: `${api.url}/${group}/${repo}.git` });
    expect(api.project(`${group}/${repo}`)).toMatchObject({ visibility: "public", namespace: { kind: "group", path: group } });
  });

  test("another user's namespace is refused, naming both accounts; an unknown group says to check the path", async () => {
    expect((await forgeFailure(forge().ensureRepository({ owner: "someone-else", repo: name(), private: true }))).message).toMatch(/another user's namespace and the token belongs to root/);
    expect((await forgeFailure(forge().ensureRepository({ owner: "nobody-group", repo: name(), private: true }))).message).toMatch(/no group or user nobody-group is visible to this token/);
  });

  test("a project created meanwhile (400 has already been taken) is used, not an error", async () => {
    const repo = name();
    await api.seedProject(`acme/${repo}`);
    // The first lookup misses (a 404 as if not created yet), the create then races with the one that exists.
    api.failNext(1, 404);
    expect(await forge().ensureRepository({ owner: "acme", repo, private: true })).toMatchObject({ created: false });
  });
});

describe("merge requests", () => {
  test("opened from the head branch, then updated in place on a re-run (title, description, target): never duplicated", async () => {
    const repo = name();
    await api.seedProject(`acme/${repo}`);
    const first = await forge().upsertPullRequest({ owner: "acme", repo, head: "create-cluster-repo/x", base: "main", title: "one", body: "first" });
    expect(first).toMatchObject({ number: 1, created: true, url: `${api.url}/acme/${repo}/-/merge_requests/1` });
    const second = await forge().upsertPullRequest({ owner: "acme", repo, head: "create-cluster-repo/x", base: "main", title: "two", body: "second" });
    expect(second).toMatchObject({ number: 1, created: false });
    expect(api.mergeRequests(`acme/${repo}`)).toEqual([expect.objectContaining({ title: "two", description: "second" })]);
  });

  test("a fork's merge request from a branch of the same name is not ours: a new one is opened", async () => {
    const repo = name();
    const project = await api.seedProject(`acme/${repo}`);
    api.seedMergeRequest(`acme/${repo}`, { sourceBranch: "create-cluster-repo/x", author: "someone-else", sha: "a".repeat(40), sourceProjectId: project.id + 1000 });
    const result = await forge().upsertPullRequest({ owner: "acme", repo, head: "create-cluster-repo/x", base: "main", title: "t", body: "b" });
    expect(result).toMatchObject({ created: true, number: 2 });
  });

  test("a description over GitLab's 1,048,576 characters is cut at a line, saying so, rather than refused", async () => {
    const repo = name();
    await api.seedProject(`acme/${repo}`);
    const body = `${"x".repeat(99)}\n`.repeat(11_000);
    await forge().upsertPullRequest({ owner: "acme", repo, head: "b", base: "main", title: "t", body });
    const description = api.mergeRequests(`acme/${repo}`)[0]!.description;
    expect([...description].length).toBeLessThanOrEqual(1_048_576);
    expect(description).toMatch(/\(cut at GitLab's limit of 1,048,576 characters\)$/);
  });

  test("comment adds a note to the merge request", async () => {
    const repo = name();
    await api.seedProject(`acme/${repo}`);
    const { number } = await forge().upsertPullRequest({ owner: "acme", repo, head: "b", base: "main", title: "t", body: "b" });
    const note = await forge().comment({ owner: "acme", repo, number, body: "hello" });
    expect(api.notes(`acme/${repo}`, number)).toEqual([expect.objectContaining({ id: note.id, body: "hello" })]);
  });

  test("a missing project names the path and what to check", async () => {
    const error = await forgeFailure(forge().upsertPullRequest({ owner: "acme", repo: "absent", head: "b", base: "main", title: "t", body: "b" }));
    expect(error.message).toMatch(/project acme\/absent not found or not visible to this token/);
  });
});

describe("failures", () => {
  test("a wrong token: exit 1 saying which token to create, the token never quoted (the server echoes it)", async () => {
    const echoing = await startGitLabApiServer({ token: "glpat-the-right-one-0123456789abcd", echoToken: true });
    try {
      const error = await forgeFailure(new GitLabForge({ token: TOKEN, apiUrl: `${echoing.url}/api/v4` }).getAuthenticatedUser());
      expect(error.message).toMatch(/GITLAB_TOKEN is missing, invalid or expired: create a personal, group or project access token with the `api` scope/);
      expect(error.exitCode).toBe(1);
    } finally {
      expect(echoing.takeViolations()).toEqual([]);
      await echoing.close();
    }
  });

  test("a 503 is retried, then the call succeeds", async () => {
    api.failNext(2, 503);
    expect(await forge().getAuthenticatedUser()).toEqual({ login: "root" });
  });

  test("a 503 that persists ends in a ForgeError saying to re-run later", async () => {
    api.failNext(3, 503);
    expect((await forgeFailure(forge({ retries: 2 }).getAuthenticatedUser())).message).toMatch(/GitLab answered 503: 503 Service Unavailable; re-run later/);
  });

  test("a server that does not answer in time is a timeout naming the host, not a hang", async () => {
    api.delayAnswers(2000);
    try {
      const error = await forgeFailure(forge({ timeoutMs: 200 }).getAuthenticatedUser());
      expect(error.message).toMatch(/the GitLab API at 127\.0\.0\.1:\d+ did not answer within 0\.2 s/);
    } finally {
      api.delayAnswers(0);
    }
  });

  test("a redirect to another host is not followed: the other host gets no token", async () => {
    const other = await startGitLabApiServer({ host: "127.0.0.2", token: TOKEN });
    const redirecting = await startGitLabApiServer({ token: TOKEN, redirectTo: other.url });
    try {
      const error = await forgeFailure(new GitLabForge({ token: TOKEN, apiUrl: `${redirecting.url}/api/v4` }).getAuthenticatedUser());
      expect(error.message).toMatch(/redirected GET \/api\/v4\/user to 127\.0\.0\.2:\d+ .*the token is sent only to 127\.0\.0\.1:\d+.*--gitlab-url/);
      expect(other.credentialsSeen).toEqual([]);
      expect(other.requests).toEqual([]);
    } finally {
      await redirecting.close();
      await other.close();
    }
  });

  test("createForge builds a GitLab forge for an instance's API root", async () => {
    const built = createForge({ kind: "gitlab", token: TOKEN, apiUrl: `${api.url}/api/v4` });
    expect(await built.getAuthenticatedUser()).toEqual({ login: "root" });
  });
});
