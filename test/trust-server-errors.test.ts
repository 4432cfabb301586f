/**
 * A server that echoes the request's Authorization header in its error answers (a misconfigured proxy or forge):
 * whatever path that text takes to the terminal (the GitHub API's error body, git's `remote:` lines on push and
 * fetch, the `--verbose` cause and stack, the library's error and its cause), the token is printed in none of its
 * forms, and what the server said is still shown, redacted.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ForgeError } from "../src/errors.js";
import { GitHubForge } from "../src/forge/github.js";
import { redact, tokenForms } from "../src/redact.js";
import { recordingCli, tempDir } from "./helpers/cli.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";
import { startGitHubApiServer, type GitHubApiServer } from "./helpers/github-api-server.js";

const TOKEN = "ghp_EchoedHeaderToken0123456789abcdefXYZ";
const FORMS = tokenForms(TOKEN);
const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();

/** No form of the token (as is, URL-encoded, base64 alone or in Basic credentials) in `text`. */
const expectNoToken = (text: string) => {
  for (const form of FORMS) expect(text).not.toContain(form);
};

describe("credentials echoed by a server never reach the output", () => {
  const work = tempDir("ccr-trust-echo-");
  let api: GitHubApiServer;
  let echoingGit: GitHttpServer;
  let goodGit: GitHttpServer;
  let echoingApi: GitHubApiServer;
  const { cli, outputs } = recordingCli({ GITHUB_TOKEN: TOKEN, GH_TOKEN: "", CCR_GITHUB_RETRY_AFTER_MS: "1" });

  beforeAll(async () => {
    goodGit = await startGitHttpServer({ auth: { username: "x-access-token", password: TOKEN } });
    api = await startGitHubApiServer({ login: "octocat", token: TOKEN, git: goodGit, echoAuthorization: true });
    echoingGit = await startGitHttpServer({ echoAuthorization: true });
    echoingApi = await startGitHubApiServer({ login: "octocat", token: TOKEN, git: echoingGit });
  });
  afterEach(() => {
    for (const server of [api, echoingApi]) expect(server.takeViolations()).toEqual([]);
    expect(api.clearInjected()).toBe(0);
  });
  afterAll(async () => {
    for (const output of outputs) expectNoToken(output);
    await api?.close();
    await echoingApi?.close();
    await goodGit?.close();
    await echoingGit?.close();
  });

  test.each([
    ["422 on create (the error body quoted)", 422, "POST", /^\/user\/repos$/, /GitHub rejected the request to create repository octocat\/echo-422: Validation Failed \(request had Authorization: token \*\*\*\)/],
    ["403 without scope headers (the error body quoted)", 403, "POST", /^\/user\/repos$/, /GitHub refused it \(403: .*\(request had Authorization: token \*\*\*\)\)/],
    ["503 after its retries (the error body quoted)", 503, "GET", /^\/repos\/octocat\/echo-503$/, /GitHub answered 503: Service Unavailable \(request had Authorization: token \*\*\*\); re-run later/],
  ])("GitHub API %s: redacted in the message, in --verbose's cause and stack", async (_label, status, method, path, shown) => {
    const name = `echo-${status}`;
    for (const verbose of [false, true]) {
      if (status === 403) api.injectNext(1, { status, method, path, body: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" } });
      else api.failNext(status === 503 ? 3 : 1, status, { method, path });
      const run = await cli(["-b", "kapsule-gpu", "-y", "--github", `octocat/${name}`, "--github-api-url", api.url, ...(verbose ? ["--verbose"] : []), join(work, `${name}-${verbose}`)]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(shown);
      if (verbose) expect(run.stderr).toMatch(/\ncause: HttpError: .*Authorization: token \*\*\*/);
      expectNoToken(run.stdout + run.stderr);
    }
  });

  test("the library's ForgeError and its cause carry no form of the token", async () => {
    const forge = new GitHubForge({ token: TOKEN, baseUrl: api.url, retryAfterBaseValue: 1 });
    api.failNext(1, 422, { method: "POST", path: /\/pulls$/ });
    await api.seedRepository("octocat", "library");
    const error = await forge.upsertPullRequest({ owner: "octocat", repo: "library", head: "a", base: "main", title: "t", body: "b" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForgeError);
    const cause = (error as ForgeError).cause as Error;
    expect((error as Error).message).toContain("Authorization: token ***");
    for (const text of [(error as Error).message, (error as Error).stack ?? "", cause.message, cause.stack ?? "", JSON.stringify(cause)]) expectNoToken(text);
  });

  test("git push and fetch against a server that echoes the header: git's remote: lines are shown redacted", async () => {
    for (const extra of [[], ["--pr-first"], ["--verbose"]]) {
      const name = `echo-git-${extra.join("") || "push"}`;
      const run = await cli(["-b", "kapsule-gpu", "-y", "--github", `octocat/${name}`, "--github-api-url", echoingApi.url, ...extra, join(work, name)]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("remote: access denied for Authorization: Basic ***");
      expect(run.stderr).toContain("remote: credentials were x-access-token:***");
      expectNoToken(run.stdout + run.stderr);
      expect(git(join(work, name), "config", "--list")).not.toContain(TOKEN);
    }
  });
});

describe("redact: every shape a credential takes in text", () => {
  test.each([
    ["the token itself", `oops ${TOKEN} here`, "oops *** here"],
    ["Authorization: token", "Authorization: token abc123secret", "Authorization: token ***"],
    ["Authorization: Bearer", "authorization: Bearer eyJhbGciOi.x.y", "authorization: Bearer ***"],
    ["Authorization: Basic", "Proxy-Authorization: Basic dXNlcjpwYXNz", "Proxy-Authorization: Basic ***"],
    ["a header echoed as JSON", '{"authorization":"token abc123secret"}', '{"authorization":"token ***"}'],
    ["x-access-token:…@ in a URL", "https://x-access-token:abc123secret@github.com/o/r.git", "https://***@github.com/o/r.git"],
    ["a bare x-access-token:…", "credentials x-access-token:abc123secret", "credentials x-access-token:***"],
    ["an unknown classic token", "ghp_0123456789abcdefghijABCDEFGHIJ012345", "***"],
    ["an unknown fine-grained token", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "***"],
  ])("%s", (_label, text, expected) => {
    expect(redact(text, FORMS)).toBe(expected);
  });

  test("the token's encodings, and text without credentials left as it is", () => {
    for (const form of FORMS) expect(redact(`x ${form} y`, FORMS)).toBe("x *** y");
    const plain = "failed to push main to https://github.com/acme/fleet.git: authentication failed; check the token (GITHUB_TOKEN or GH_TOKEN)";
    expect(redact(plain, FORMS)).toBe(plain);
  });
});
