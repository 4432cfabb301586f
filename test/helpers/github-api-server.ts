/**
 * A local double of the GitHub REST API for tests, on 127.0.0.1, that checks every request and every response
 * against GitHub's published OpenAPI description (`@octokit/openapi`, api.github.com). Real Octokit talks to it.
 *
 *   const api = await startGitHubApiServer({ login: "octocat", token: "t", organizations: ["acme"], git });
 *   const forge = new GitHubForge({ token: "t", baseUrl: api.url, retryAfterBaseValue: 1 });
 *   api.failNext(1, 503);                 // the next request gets a GitHub-like 503
 *   afterEach(() => expect(api.takeViolations()).toEqual([]));
 *   await api.close();                     // also happens on process exit
 *
 * State (users, organizations, repositories, pull requests) lives in memory. With `git` (a git http server),
 * each created repository is backed by a bare repository there, and the double serves it on its own origin as
 * GitHub Enterprise Server does (`clone_url` is `<url>/<owner>/<repo>.git`; git requests are passed to the git
 * server, Authorization header included).
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll } from "vitest";
import { startGitHttpServer, type GitHttpServer } from "./git-http-server.js";

// ---------------------------------------------------------------------------------------------------------------
// The OpenAPI description: loaded once per process, `nullable` rewritten to JSON Schema, operations indexed.

// The OpenAPI document and the JSON bodies are untyped data; they are checked by ajv instead of by tsc.
type Json = any;
interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  paramNames: string[];
  spec: Json;
}

let loaded: { spec: Json; ajv: Ajv; operations: Operation[]; validators: Map<string, ValidateFunction> } | undefined;

function openapi() {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const spec = normalizeNullable(require("@octokit/openapi/generated/api.github.com.json"));
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
  addFormats(ajv);
  ajv.addSchema({ $id: "gh", components: spec.components });
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries<Json>(spec.paths)) {
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      if (!item[method]) continue;
      const paramNames = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const source = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "([^/]+)");
      operations.push({ method: method.toUpperCase(), template, regex: new RegExp(`^${source}$`), paramNames, spec: item[method] });
    }
  }
  // Literal segments win over parameters (`/user/repos` before `/users/{username}`-like templates).
  operations.sort((a, b) => a.paramNames.length - b.paramNames.length);
  loaded = { spec, ajv, operations, validators: new Map() };
  return loaded;
}

/** OpenAPI 3.0 `nullable: true` becomes JSON Schema null handling, which ajv understands without extensions. */
function normalizeNullable(node: Json): Json {
  if (Array.isArray(node)) return node.map(normalizeNullable);
  if (node === null || typeof node !== "object") return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = normalizeNullable(value);
  if (out.nullable !== true) return out;
  delete out.nullable;
  if (typeof out.type === "string") {
    out.type = [out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: "null" }] };
}

function resolveRef(node: Json): Json {
  let current = node;
  while (current && typeof current.$ref === "string") {
    const pointer = (current.$ref as string).replace(/^#\//, "").split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    current = pointer.reduce((acc: Json, part) => acc?.[part], openapi().spec);
  }
  return current;
}

/** A validator for a schema found in the spec; `#/components/...` refs are resolved against the spec. */
function validatorFor(key: string, schema: Json): ValidateFunction {
  const { ajv, validators } = openapi();
  let validate = validators.get(key);
  if (!validate) {
    const rebased = JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, '"$ref":"gh#/'));
    validate = ajv.compile(rebased);
    validators.set(key, validate);
  }
  return validate;
}

function schemaErrors(key: string, schema: Json, data: unknown): string[] {
  const validate = validatorFor(key, schema);
  if (validate(data)) return [];
  return (validate.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

/** A minimal instance of a schema: required properties only, the first enum value, null where allowed. */
function sample(schema: Json, depth = 0): Json {
  const s = resolveRef(schema);
  if (!s || depth > 12) return null;
  if (s.allOf) return Object.assign({}, ...s.allOf.map((part: Json) => sample(part, depth + 1)));
  if (s.anyOf || s.oneOf) {
    const options: Json[] = s.anyOf ?? s.oneOf;
    if (options.some((o) => resolveRef(o)?.type === "null")) return null;
    return sample(options[0], depth + 1);
  }
  const type = Array.isArray(s.type) ? s.type : [s.type];
  if (type.includes("null")) return null;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (type.includes("object") || s.properties) {
    const out: Json = {};
    for (const name of s.required ?? []) out[name] = sample(s.properties?.[name] ?? {}, depth + 1);
    return out;
  }
  if (type.includes("array")) return [];
  if (type.includes("integer") || type.includes("number")) return s.minimum ?? 1;
  if (type.includes("boolean")) return false;
  if (type.includes("string")) {
    const formats: Record<string, string> = { "date-time": "2026-11-22T00:00:00Z", uri: "https://example.invalid/", email: "someone@example.invalid", "uri-template": "https://example.invalid/{x}" };
    return formats[s.format] ?? "string";
  }
  return null;
}

function componentSample(name: string, overrides: Json): Json {
  return deepMerge(sample({ $ref: `#/components/schemas/${name}` }), overrides);
}

function deepMerge(base: Json, overrides: Json): Json {
  if (!overrides || typeof overrides !== "object" || Array.isArray(overrides) || !base || typeof base !== "object") return overrides;
  const out = { ...base };
  for (const [key, value] of Object.entries(overrides)) out[key] = deepMerge(base[key], value);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Checking a request and its response against the operation.

/** Statuses GitHub may send on any endpoint even where the description omits them (then checked as basic-error). */
const ANY_ENDPOINT_STATUSES = new Set([401, 403, 404, 429, 500, 502, 503, 504]);

function findOperation(method: string, pathname: string): { op: Operation; params: Record<string, string> } | undefined {
  for (const op of openapi().operations) {
    if (op.method !== method) continue;
    const match = op.regex.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    op.paramNames.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1]!)));
    return { op, params };
  }
  return undefined;
}

function checkRequest(op: Operation, pathParams: Record<string, string>, query: URLSearchParams, body: unknown): string[] {
  const where = `${op.method} ${op.template}`;
  const problems: string[] = [];
  const declared = (op.spec.parameters ?? []).map(resolveRef);
  for (const param of declared) {
    const raw = param.in === "path" ? pathParams[param.name] : param.in === "query" ? query.get(param.name) ?? undefined : undefined;
    if (param.in !== "path" && param.in !== "query") continue;
    if (raw === undefined) {
      if (param.required) problems.push(`${where}: missing required ${param.in} parameter ${param.name}`);
      continue;
    }
    const type = resolveRef(param.schema)?.type;
    const value = type === "integer" || type === "number" ? Number(raw) : type === "boolean" ? raw === "true" ? true : raw === "false" ? false : raw : raw;
    for (const e of schemaErrors(`${where} param ${param.name}`, param.schema, value)) problems.push(`${where}: ${param.in} parameter ${param.name}=${raw}: ${e}`);
  }
  for (const name of query.keys()) {
    if (!declared.some((p: Json) => p.in === "query" && p.name === name)) problems.push(`${where}: undocumented query parameter ${name}`);
  }
  const requestBody = resolveRef(op.spec.requestBody);
  const schema = requestBody?.content?.["application/json"]?.schema;
  if (body === undefined) {
    if (requestBody?.required) problems.push(`${where}: missing required request body`);
  } else if (!schema) {
    problems.push(`${where}: request has a body but the operation documents none`);
  } else {
    for (const e of schemaErrors(`${where} request`, schema, body)) problems.push(`${where}: request body ${e}`);
  }
  return problems;
}

function checkResponse(op: Operation, status: number, body: unknown): string[] {
  const where = `${op.method} ${op.template} -> ${status}`;
  const documented = op.spec.responses?.[String(status)];
  if (!documented) {
    if (!ANY_ENDPOINT_STATUSES.has(status)) return [`${where}: status not documented for this operation`];
    return schemaErrors("basic-error", { $ref: "#/components/schemas/basic-error" }, body).map((e) => `${where}: ${e}`);
  }
  const schema = resolveRef(documented)?.content?.["application/json"]?.schema;
  if (!schema) return body === undefined ? [] : [`${where}: response has a body but none is documented`];
  return schemaErrors(`${op.method} ${op.template} ${status}`, schema, body).map((e) => `${where}: ${e}`);
}

// ---------------------------------------------------------------------------------------------------------------
// The server.

export interface GitHubApiServerOptions {
  /** Login of the token's user. @default "octocat" */
  login?: string;
  /** The token the server accepts. @default "test-token" */
  token?: string;
  /** Organizations that exist (the user may create repositories in them). */
  organizations?: string[];
  /** Other users that exist. */
  users?: string[];
  /** Backs created repositories with bare repositories on this git server (clone_url points at it). */
  git?: GitHttpServer;
  /**
   * With `git`: check pull requests against the bare repositories as GitHub does (422 when the base or head branch
   * is missing, when they share no history, or when there is nothing to merge). Off by default, so tests of the
   * API alone can open pull requests without pushing branches.
   */
  checkRefs?: boolean;
  /** Address to listen on, e.g. 127.0.0.2 to stand for another host. @default "127.0.0.1" */
  host?: string;
  /** The `clone_url` the API answers for a repository, instead of the double's own URL for it (a hostile API). */
  cloneUrl?: (owner: string, repo: string) => string;
  /** Sees each git request first; returning `true` means it answered (or chose not to), e.g. a redirect elsewhere. */
  interceptGit?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  /**
   * Every error answer quotes the request's Authorization header in its message, as a misconfigured proxy or
   * forge may (`... (request had Authorization: token ghp_...)`): what the tool prints of it must be redacted.
   */
  echoAuthorization?: boolean;
}

/** A canned answer for the next matching request(s). */
export interface InjectedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Only requests with this method. */
  method?: string;
  /** Only requests whose path matches. */
  path?: RegExp;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  /** The request body as received (for tests that check what the tool sends). */
  body?: string;
}

interface Repo {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  description: string | null;
  defaultBranch: string;
  cloneUrl: string;
}

interface Pull {
  id: number;
  number: number;
  state: "open" | "closed";
  title: string;
  body: string | null;
  head: string;
  base: string;
  user: string;
  /** The head commit; all zeros unless seeded. */
  headSha?: string;
  /** Set once merged (seeded): the commit the merge made on the base branch. */
  mergeCommitSha?: string;
}

/** A review of a pull request. */
interface Review {
  id: number;
  pull: number;
  user: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  commitId: string;
}

/** A GitHub Actions workflow run, with its jobs (steps by name and conclusion) and its artifacts. */
export interface SeededRun {
  /** Path of the workflow file in the repository, e.g. `.github/workflows/terraform.yml`. */
  workflowPath: string;
  event: "pull_request" | "push" | "workflow_dispatch" | string;
  headSha: string;
  headBranch: string;
  /** `owner/repo` the head commit comes from (a fork for pull requests from forks). @default the repository */
  headRepository?: string;
  /** Pull request numbers the run is for (GitHub fills this for pull_request runs of the same repository). */
  pullRequests?: number[];
  status?: "completed" | "in_progress" | "queued";
  conclusion?: "success" | "failure" | "cancelled" | "skipped" | null;
  jobs?: Array<{ name: string; steps: Array<{ name: string; conclusion: "success" | "failure" | "cancelled" | "skipped" | null }> }>;
  artifacts?: Array<{ name: string; expired?: boolean }>;
}

interface Run extends SeededRun {
  id: number;
  runNumber: number;
  workflowId: number;
}

/** A comment on an issue or pull request (the issues API serves both). */
interface IssueComment {
  id: number;
  issue: number;
  body: string;
  user: string;
}

export interface GitHubApiServer {
  url: string;
  /** Clone URL of `<owner>/<repo>` on this double: `<url>/<owner>/<repo>.git` (served with `git`). */
  repoUrl(name: string): string;
  /** The Authorization header of every request that carried one, API and git alike, in order. */
  readonly credentialsSeen: string[];
  /** `true`: stop listening (connections are refused, as when the host is down); `false`: listen again on the same port. */
  refuseConnections(refuse: boolean): Promise<void>;
  /** Every request answered, in order. */
  readonly requests: RecordedRequest[];
  /** Answers the next `count` requests (optionally only matching ones) with a GitHub-like error for `status`. */
  failNext(count: number, status: number, options?: Partial<InjectedResponse>): void;
  /** Answers the next `count` matching requests with this response (still checked against the description). */
  injectNext(count: number, response: InjectedResponse): void;
  /** Adds a repository directly (no API call), e.g. to test "already exists". */
  seedRepository(owner: string, name: string, options?: { private?: boolean }): Promise<void>;
  /**
   * Opens a pull request directly, e.g. to simulate one created by a concurrent run; with `mergeCommitSha`, one
   * already merged by that commit.
   */
  seedPullRequest(owner: string, repo: string, pull: { head: string; base: string; title: string; headSha?: string; mergeCommitSha?: string; author?: string }): number;
  /** Adds a review of pull request `number`, by `user`, of commit `commitId`. */
  seedReview(owner: string, repo: string, number: number, review: { user: string; state: Review["state"]; commitId: string }): number;
  /** Adds a workflow run (numbered in order of seeding, per workflow file) and returns its ID. */
  seedWorkflowRun(owner: string, repo: string, run: SeededRun): number;
  /** Gives `login` a permission on the repository (`admin`, `write`, `read`...); the owner is `admin`. */
  seedCollaborator(owner: string, repo: string, login: string, permission: string): void;
  /** Adds a comment directly, as `author` (e.g. someone other than the token's user). */
  seedComment(owner: string, repo: string, issue: number, comment: { body: string; author: string }): number;
  /** Repositories, pull requests and issue comments as plain data, for assertions. */
  state(): {
    repositories: Array<{ owner: string; name: string; private: boolean; description: string | null }>;
    pulls: Array<Pull & { repo: string }>;
    comments: Array<IssueComment & { repo: string }>;
  };
  /** Drops injected responses not consumed yet and returns how many there were. */
  clearInjected(): number;
  /** Returns and clears the request/response mismatches with the OpenAPI description. */
  takeViolations(): string[];
  close(): Promise<void>;
}

export async function startGitHubApiServer(options: GitHubApiServerOptions = {}): Promise<GitHubApiServer> {
  openapi();
  const login = options.login ?? "octocat";
  const token = options.token ?? "test-token";
  const accounts = new Map<string, { login: string; id: number; type: "User" | "Organization" }>();
  let nextId = 1000;
  const addAccount = (name: string, type: "User" | "Organization") => accounts.set(name.toLowerCase(), { login: name, id: nextId++, type });
  addAccount(login, "User");
  for (const org of options.organizations ?? []) addAccount(org, "Organization");
  for (const user of options.users ?? []) addAccount(user, "User");
  const repos = new Map<string, Repo>();
  const pulls = new Map<string, Pull[]>();
  const comments = new Map<string, IssueComment[]>();
  const reviews = new Map<string, Review[]>();
  const runs = new Map<string, Run[]>();
  const collaborators = new Map<string, Map<string, string>>();
  const workflowIds = new Map<string, number>();
  const injected: Array<InjectedResponse & { remaining: number }> = [];
  const requests: RecordedRequest[] = [];
  let violations: string[] = [];
  let base = "";
  const credentialsSeen: string[] = [];

  const server = http.createServer((req, res) => {
    if (req.headers.authorization) credentialsSeen.push(req.headers.authorization);
    if (options.git && isGitPath(req.url ?? "/")) {
      if (options.interceptGit?.(req, res)) return;
      return proxyGit(req, res, options.git);
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void handle(req, Buffer.concat(chunks).toString("utf8")).then(
        ({ status, body, headers }) => {
          requests.push({ method: req.method ?? "", path: req.url ?? "", status, body: Buffer.concat(chunks).toString("utf8") });
          res.writeHead(status, { "content-type": "application/json; charset=utf-8", "x-github-media-type": "github.v3", ...headers });
          res.end(body === undefined ? "" : JSON.stringify(body));
        },
        (error: unknown) => {
          violations.push(`server error: ${String(error)}`);
          res.writeHead(500).end();
        },
      );
    });
  });

  async function handle(req: http.IncomingMessage, rawBody: string): Promise<{ status: number; body?: unknown; headers?: Record<string, string> }> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const found = findOperation(method, url.pathname);
    if (!found) {
      violations.push(`${method} ${url.pathname}: no such operation in the GitHub REST description`);
      return { status: 404, body: notFound() };
    }
    let body: unknown;
    if (rawBody !== "") {
      try {
        body = JSON.parse(rawBody);
      } catch {
        violations.push(`${method} ${found.op.template}: request body is not JSON`);
      }
    }
    violations.push(...checkRequest(found.op, found.params, url.searchParams, body));
    let response = takeInjected(method, url.pathname) ?? (await route(req, found.op.template, found.params, url.searchParams, body as Json));
    if (options.echoAuthorization && response.status >= 400 && typeof (response.body as Json)?.message === "string") {
      response = { ...response, body: { ...(response.body as Json), message: `${(response.body as Json).message} (request had Authorization: ${req.headers.authorization ?? "none"})` } };
    }
    violations.push(...checkResponse(found.op, response.status, response.body));
    return response;
  }

  function takeInjected(method: string, pathname: string): InjectedResponse | undefined {
    const index = injected.findIndex((i) => (!i.method || i.method === method) && (!i.path || i.path.test(pathname)));
    if (index < 0) return undefined;
    const hit = injected[index]!;
    if (--hit.remaining === 0) injected.splice(index, 1);
    return hit;
  }

  async function route(req: http.IncomingMessage, template: string, p: Record<string, string>, query: URLSearchParams, body: Json) {
    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    if (auth?.[1] !== token) return errorResponse(401);
    const key = `${req.method} ${template}`;
    switch (key) {
      case "GET /user":
        return ok(userJson(accounts.get(login.toLowerCase())!, true));
      case "GET /users/{username}": {
        const account = accounts.get(p.username!.toLowerCase());
        return account ? ok(userJson(account, false)) : errorResponse(404);
      }
      case "GET /repos/{owner}/{repo}": {
        const repo = repos.get(repoKey(p.owner!, p.repo!));
        return repo ? ok(repoJson(repo)) : errorResponse(404);
      }
      case "POST /user/repos":
        return createRepo(login, body);
      case "POST /orgs/{org}/repos": {
        const org = accounts.get(p.org!.toLowerCase());
        return org?.type === "Organization" ? createRepo(org.login, body) : errorResponse(404);
      }
      case "GET /repos/{owner}/{repo}/pulls": {
        const repo = repos.get(repoKey(p.owner!, p.repo!));
        if (!repo) return errorResponse(404);
        const state = query.get("state") ?? "open";
        const head = query.get("head");
        const baseFilter = query.get("base");
        const list = (pulls.get(repoKey(repo.owner, repo.name)) ?? []).filter(
          (pr) =>
            (state === "all" || pr.state === state) &&
            (!head || head === `${repo.owner}:${pr.head}` || head === pr.head) &&
            (!baseFilter || baseFilter === pr.base),
        );
        return ok(list.map((pr) => pullJson(repo, pr, true)));
      }
      case "POST /repos/{owner}/{repo}/pulls": {
        const repo = repos.get(repoKey(p.owner!, p.repo!));
        if (!repo) return errorResponse(404);
        const head = String(body.head).replace(/^[^:]+:/, "");
        const list = pulls.get(repoKey(repo.owner, repo.name)) ?? [];
        const refProblem = await pullRequestRefProblem(repo, head, String(body.base));
        if (refProblem) return errorResponse(422, { message: "Validation Failed", errors: [refProblem] });
        if (list.some((pr) => pr.state === "open" && pr.head === head && pr.base === body.base)) {
          return errorResponse(422, {
            message: "Validation Failed",
            errors: [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${repo.owner}:${head}.` }],
          });
        }
        const pr = addPull(repo, { head, base: body.base, title: body.title, body: body.body ?? null });
        return { status: 201, body: pullJson(repo, pr, false), headers: { location: `${base}/repos/${repo.owner}/${repo.name}/pulls/${pr.number}` } };
      }
      case "GET /repos/{owner}/{repo}/pulls/{pull_number}":
      case "PATCH /repos/{owner}/{repo}/pulls/{pull_number}": {
        const repo = repos.get(repoKey(p.owner!, p.repo!));
        const pr = repo && (pulls.get(repoKey(repo.owner, repo.name)) ?? []).find((x) => x.number === Number(p.pull_number));
        if (!repo || !pr) return errorResponse(404);
        if (req.method === "PATCH") {
          if (body.title !== undefined) pr.title = body.title;
          if (body.body !== undefined) pr.body = body.body;
          if (body.base !== undefined) pr.base = body.base;
          if (body.state !== undefined) pr.state = body.state;
        }
        return ok(pullJson(repo, pr, false));
      }
      case "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls": {
        const repo = repos.get(repoKey(p.owner!, p.repo!));
        if (!repo) return errorResponse(404);
        const list = (pulls.get(repoKey(repo.owner, repo.name)) ?? []).filter((pr) => pr.mergeCommitSha === p.commit_sha || pr.headSha === p.commit_sha);
        return ok(list.map((pr) => pullJson(repo, pr, true)));
      }
      case "GET /repos/{owner}/{repo}/issues/{issue_number}/comments":
      case "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": {
        const repo = repos.get(repoKey(p.owner!, p.repo!));
        const issue = Number(p.issue_number);
        if (!repo || !(pulls.get(repoKey(repo.owner, repo.name)) ?? []).some((pr) => pr.number === issue)) return errorResponse(404);
        const list = comments.get(repoKey(repo.owner, repo.name)) ?? [];
        comments.set(repoKey(repo.owner, repo.name), list);
        if (req.method === "POST") {
          const comment: IssueComment = { id: nextId++, issue, body: String(body.body), user: login };
          list.push(comment);
          return { status: 201, body: commentJson(repo, comment), headers: { location: `${base}/repos/${repo.owner}/${repo.name}/issues/comments/${comment.id}` } };
        }
        // Pages as GitHub does (per_page, page), so that callers must follow them.
        const perPage = Math.min(Number(query.get("per_page") ?? 30), 100);
        const page = Number(query.get("page") ?? 1);
        const mine = list.filter((c) => c.issue === issue);
        const pageItems = mine.slice((page - 1) * perPage, page * perPage);
        const last = Math.max(1, Math.ceil(mine.length / perPage));
        const link = page < last ? { link: `<${base}/repos/${repo.owner}/${repo.name}/issues/${issue}/comments?per_page=${perPage}&page=${page + 1}>; rel="next"` } : undefined;
        return { status: 200, body: pageItems.map((c) => commentJson(repo, c)), ...(link ? { headers: link } : {}) };
      }
      case "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": {
        const repo = repos.get(repoKey(p.owner!, p.repo!));
        const comment = repo && (comments.get(repoKey(repo.owner, repo.name)) ?? []).find((c) => c.id === Number(p.comment_id));
        if (!repo || !comment) return errorResponse(404);
        if (comment.user !== login) return errorResponse(403);
        comment.body = String(body.body);
        return ok(commentJson(repo, comment));
      }
      case "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews": {
        const repo = repos.get(repoKey(p.owner!, p.repo!));
        if (!repo) return errorResponse(404);
        const list = (reviews.get(repoKey(repo.owner, repo.name)) ?? []).filter((r) => r.pull === Number(p.pull_number));
        return paged(query, list.map((r) => reviewJson(repo, r)), `${base}/repos/${repo.owner}/${repo.name}/pulls/${p.pull_number}/reviews`);
      }
      case "GET /repos/{owner}/{repo}/collaborators/{username}/permission": {
        const repo = repos.get(repoKey(p.owner!, p.repo!));
        if (!repo) return errorResponse(404);
        const permission = p.username!.toLowerCase() === repo.owner.toLowerCase() ? "admin" : collaborators.get(repoKey(repo.owner, repo.name))?.get(p.username!.toLowerCase()) ?? "none";
        return ok(componentSample("repository-collaborator-permission", { permission, role_name: permission, user: permission === "none" ? null : componentSample("collaborator", { login: p.username, id: accounts.get(p.username!.toLowerCase())?.id ?? 1, html_url: `https://github.example/${p.username}` }) }));
      }
      case "GET /repos/{owner}/{repo}/actions/runs/{run_id}": {
        const repo = repos.get(repoKey(p.owner!, p.repo!));
        const run = repo && (runs.get(repoKey(repo.owner, repo.name)) ?? []).find((r) => r.id === Number(p.run_id));
        return repo && run ? ok(runJson(repo, run)) : errorResponse(404);
      }
      case "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs": {
        const repo = repos.get(repoKey(p.owner!, p.repo!));
        if (!repo) return errorResponse(404);
        const workflow = p.workflow_id!;
        const list = (runs.get(repoKey(repo.owner, repo.name)) ?? [])
          .filter((r) => String(r.workflowId) === workflow || r.workflowPath.split("/").pop() === workflow)
          .filter((r) => (!query.get("event") || r.event === query.get("event")) && (!query.get("head_sha") || r.headSha === query.get("head_sha")) && (!query.get("branch") || r.headBranch === query.get("branch")))
          .sort((a, b) => b.id - a.id);
        const page = pageOf(query, list);
        return { status: 200, body: { total_count: list.length, workflow_runs: page.items.map((r) => runJson(repo, r)) }, ...page.link(`${base}/repos/${repo.owner}/${repo.name}/actions/workflows/${workflow}/runs`) };
      }
      case "GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts":
      case "GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs": {
        const repo = repos.get(repoKey(p.owner!, p.repo!));
        const run = repo && (runs.get(repoKey(repo.owner, repo.name)) ?? []).find((r) => r.id === Number(p.run_id));
        if (!repo || !run) return errorResponse(404);
        const artifactsOf = template.endsWith("/artifacts");
        const list = artifactsOf
          ? (run.artifacts ?? []).map((artifact, i) => artifactJson(repo, run, artifact, i))
          : (run.jobs ?? []).map((job, i) => jobJson(repo, run, job, i));
        const page = pageOf(query, list);
        const url = `${base}/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}/${artifactsOf ? "artifacts" : "jobs"}`;
        return { status: 200, body: { total_count: list.length, [artifactsOf ? "artifacts" : "jobs"]: page.items }, ...page.link(url) };
      }
      default:
        violations.push(`${key}: documented, but this double does not implement it`);
        return errorResponse(404);
    }
  }

  /** One page of `items` as GitHub pages them (per_page, page), with the Link header of the next page. */
  function pageOf<T>(query: URLSearchParams, items: T[]) {
    const perPage = Math.min(Number(query.get("per_page") ?? 30), 100);
    const page = Number(query.get("page") ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    return {
      items: items.slice((page - 1) * perPage, page * perPage),
      link: (url: string) => (page < last ? { headers: { link: `<${url}?per_page=${perPage}&page=${page + 1}>; rel="next"` } } : {}),
    };
  }

  function paged(query: URLSearchParams, items: Json[], url: string) {
    const page = pageOf(query, items);
    return { status: 200, body: page.items, ...page.link(url) };
  }

  function reviewJson(repo: Repo, review: Review): Json {
    const url = `https://github.example/${repo.owner}/${repo.name}/pull/${review.pull}`;
    return componentSample("pull-request-review", {
      id: review.id,
      user: simpleUser(review.user),
      body: "",
      state: review.state,
      commit_id: review.commitId,
      html_url: `${url}#pullrequestreview-${review.id}`,
      pull_request_url: `${base}/repos/${repo.owner}/${repo.name}/pulls/${review.pull}`,
      _links: { html: { href: url }, pull_request: { href: url } },
      author_association: "COLLABORATOR",
    });
  }

  function runJson(repo: Repo, run: Run): Json {
    const head = run.headRepository ?? `${repo.owner}/${repo.name}`;
    const [headOwner, headName] = head.split("/") as [string, string];
    const runUrl = `${base}/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}`;
    const ref = run.event === "pull_request" ? `refs/pull/${run.pullRequests?.[0] ?? 0}/merge` : `refs/heads/${run.headBranch}`;
    return componentSample("workflow-run", {
      id: run.id,
      head_branch: run.headBranch,
      run_number: run.runNumber,
      run_attempt: 1,
      display_title: run.workflowPath,
      event: run.event,
      status: run.status ?? "completed",
      conclusion: run.conclusion === undefined ? "success" : run.conclusion,
      head_sha: run.headSha,
      // As the REST description's example writes it: the repository, the file, and the ref it ran from.
      path: `${repo.owner}/${repo.name}/${run.workflowPath}@${ref}`,
      workflow_id: run.workflowId,
      url: runUrl,
      html_url: `https://github.example/${repo.owner}/${repo.name}/actions/runs/${run.id}`,
      pull_requests: (run.pullRequests ?? []).map((number) => ({
        id: number,
        number,
        url: `${base}/repos/${repo.owner}/${repo.name}/pulls/${number}`,
        head: { ref: run.headBranch, sha: run.headSha, repo: { id: repo.id, url: `${base}/repos/${head}`, name: headName } },
        base: { ref: repo.defaultBranch, sha: "0".repeat(40), repo: { id: repo.id, url: `${base}/repos/${repo.owner}/${repo.name}`, name: repo.name } },
      })),
      head_commit: null,
      head_repository: componentSample("minimal-repository", { full_name: head, name: headName, owner: simpleUser(headOwner) }),
      repository: componentSample("minimal-repository", { full_name: `${repo.owner}/${repo.name}`, name: repo.name, owner: simpleUser(repo.owner) }),
      jobs_url: `${runUrl}/jobs`,
      logs_url: `${runUrl}/logs`,
      check_suite_url: `${base}/repos/${repo.owner}/${repo.name}/check-suites/${run.id}`,
      cancel_url: `${runUrl}/cancel`,
      rerun_url: `${runUrl}/rerun`,
      artifacts_url: `${runUrl}/artifacts`,
      workflow_url: `${base}/repos/${repo.owner}/${repo.name}/actions/workflows/${run.workflowId}`,
    });
  }

  function artifactJson(repo: Repo, run: Run, artifact: { name: string; expired?: boolean }, index: number): Json {
    const id = run.id * 100 + index;
    return componentSample("artifact", {
      id,
      name: artifact.name,
      size_in_bytes: 1024,
      url: `${base}/repos/${repo.owner}/${repo.name}/actions/artifacts/${id}`,
      archive_download_url: `${base}/repos/${repo.owner}/${repo.name}/actions/artifacts/${id}/zip`,
      expired: artifact.expired ?? false,
      workflow_run: { id: run.id, repository_id: repo.id, head_repository_id: repo.id, head_branch: run.headBranch, head_sha: run.headSha },
    });
  }

  function jobJson(repo: Repo, run: Run, job: NonNullable<SeededRun["jobs"]>[number], index: number): Json {
    const id = run.id * 100 + index;
    return componentSample("job", {
      id,
      run_id: run.id,
      run_url: `${base}/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}`,
      head_sha: run.headSha,
      workflow_name: "terraform",
      head_branch: run.headBranch,
      name: job.name,
      url: `${base}/repos/${repo.owner}/${repo.name}/actions/jobs/${id}`,
      html_url: `https://github.example/${repo.owner}/${repo.name}/actions/runs/${run.id}/job/${id}`,
      status: "completed",
      conclusion: job.steps.some((step) => step.conclusion === "failure") ? "failure" : "success",
      steps: job.steps.map((step, number) => ({ name: step.name, status: "completed", conclusion: step.conclusion, number: number + 1 })),
      labels: ["ubuntu-latest"],
    });
  }

  /** GitHub's 422 reasons about the branches of a new pull request, read from the bare repository. */
  async function pullRequestRefProblem(repo: Repo, head: string, baseBranch: string): Promise<Json | undefined> {
    if (!options.git || !options.checkRefs) return undefined;
    const bare = options.git.repoPath(`${repo.owner}/${repo.name}`);
    const tip = (branch: string) => gitIn(bare, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`]).catch(() => undefined);
    const [baseSha, headSha] = [await tip(baseBranch), await tip(head)];
    if (!baseSha) return { resource: "PullRequest", field: "base", code: "invalid" };
    if (!headSha) return { resource: "PullRequest", field: "head", code: "invalid" };
    if ((await gitIn(bare, ["merge-base", baseSha, headSha]).catch(() => undefined)) === undefined) {
      return { resource: "PullRequest", code: "custom", message: `The ${head} branch has no history in common with ${baseBranch}` };
    }
    if ((await gitIn(bare, ["rev-list", "--count", `${baseSha}..${headSha}`])) === "0") {
      return { resource: "PullRequest", code: "custom", message: `No commits between ${baseBranch} and ${head}` };
    }
    return undefined;
  }

  /** `auto_init`: GitHub's own first commit (a README) on the default branch, written server-side (no push, no hooks). */
  async function initialCommit(repo: Repo): Promise<void> {
    if (!options.git) return;
    const bare = options.git.repoPath(`${repo.owner}/${repo.name}`);
    const readme = `# ${repo.name}\n${repo.description ? `\n${repo.description}\n` : ""}`;
    const blob = await gitIn(bare, ["hash-object", "-w", "--stdin"], readme);
    const tree = await gitIn(bare, ["mktree"], `100644 blob ${blob}\tREADME.md\n`);
    const identity = { GIT_AUTHOR_NAME: login, GIT_AUTHOR_EMAIL: `${login}@users.noreply.github.com`, GIT_COMMITTER_NAME: "GitHub", GIT_COMMITTER_EMAIL: "noreply@github.com" };
    const commit = await gitIn(bare, ["commit-tree", tree, "-m", "Initial commit"], undefined, identity);
    await gitIn(bare, ["update-ref", `refs/heads/${repo.defaultBranch}`, commit]);
  }

  async function createRepo(owner: string, body: Json) {
    if (repos.has(repoKey(owner, body.name))) {
      return errorResponse(422, {
        message: "Repository creation failed.",
        errors: [{ resource: "Repository", code: "custom", field: "name", message: "name already exists on this account" }],
      });
    }
    const repo = await addRepo(owner, body.name, body.private ?? false, body.description ?? null);
    if (body.auto_init === true) await initialCommit(repo);
    return { status: 201, body: repoJson(repo), headers: { location: `${base}/repos/${owner}/${repo.name}` } };
  }

  async function addRepo(owner: string, name: string, isPrivate: boolean, description: string | null): Promise<Repo> {
    if (options.git) await options.git.createBareRepo(`${owner}/${name}`);
    const cloneUrl = options.cloneUrl?.(owner, name) ?? `${base}/${owner}/${name}.git`;
    const repo: Repo = { id: nextId++, owner, name, private: isPrivate, description, defaultBranch: "main", cloneUrl };
    repos.set(repoKey(owner, name), repo);
    return repo;
  }

  function addPull(repo: Repo, fields: { head: string; base: string; title: string; body: string | null }): Pull {
    const list = pulls.get(repoKey(repo.owner, repo.name)) ?? [];
    pulls.set(repoKey(repo.owner, repo.name), list);
    const pr: Pull = { id: nextId++, number: list.length + 1, state: "open", user: login, ...fields };
    list.push(pr);
    return pr;
  }

  function userJson(account: { login: string; id: number; type: string }, authenticated: boolean): Json {
    const fields = {
      login: account.login,
      id: account.id,
      type: account.type,
      html_url: `https://github.example/${encodeURIComponent(account.login)}`,
      url: `${base}/users/${account.login}`,
      user_view_type: authenticated ? "private" : "public",
    };
    return componentSample(authenticated ? "private-user" : "public-user", fields);
  }

  function simpleUser(name: string): Json {
    const account = accounts.get(name.toLowerCase());
    return componentSample("simple-user", { login: name, id: account?.id ?? 1, type: account?.type ?? "User", html_url: `https://github.example/${encodeURIComponent(name)}` });
  }

  function repoFields(repo: Repo): Json {
    return {
      id: repo.id,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      owner: simpleUser(repo.owner),
      private: repo.private,
      visibility: repo.private ? "private" : "public",
      description: repo.description,
      default_branch: repo.defaultBranch,
      html_url: `https://github.example/${repo.owner}/${repo.name}`,
      url: `${base}/repos/${repo.owner}/${repo.name}`,
      clone_url: repo.cloneUrl,
    };
  }

  function repoJson(repo: Repo): Json {
    return componentSample("full-repository", repoFields(repo));
  }

  function commentJson(repo: Repo, comment: IssueComment): Json {
    const issueUrl = `${base}/repos/${repo.owner}/${repo.name}/issues/${comment.issue}`;
    return componentSample("issue-comment", {
      id: comment.id,
      body: comment.body,
      user: simpleUser(comment.user),
      url: `${base}/repos/${repo.owner}/${repo.name}/issues/comments/${comment.id}`,
      html_url: `https://github.example/${repo.owner}/${repo.name}/pull/${comment.issue}#issuecomment-${comment.id}`,
      issue_url: issueUrl,
    });
  }

  function pullJson(repo: Repo, pr: Pull, simple: boolean): Json {
    const ref = (branch: string, sha = "0".repeat(40)) => ({ label: `${repo.owner}:${branch}`, ref: branch, sha, user: simpleUser(repo.owner), repo: componentSample("repository", repoFields(repo)) });
    const htmlUrl = `https://github.example/${repo.owner}/${repo.name}/pull/${pr.number}`;
    return componentSample(simple ? "pull-request-simple" : "pull-request", {
      id: pr.id,
      number: pr.number,
      state: pr.state,
      title: pr.title,
      body: pr.body,
      user: simpleUser(pr.user),
      html_url: htmlUrl,
      url: `${base}/repos/${repo.owner}/${repo.name}/pulls/${pr.number}`,
      head: ref(pr.head, pr.headSha),
      base: ref(pr.base),
      ...(pr.mergeCommitSha ? { merged_at: "2026-11-26T12:00:00Z", merge_commit_sha: pr.mergeCommitSha } : { merged_at: null }),
    });
  }

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  server.unref();
  base = `http://${host}:${(server.address() as AddressInfo).port}`;
  const closeOnExit = () => server.close();
  process.once("exit", closeOnExit);

  return {
    url: base,
    repoUrl: (name) => `${base}/${name}.git`,
    credentialsSeen,
    async refuseConnections(refuse) {
      if (refuse === !server.listening) return;
      if (refuse) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      } else {
        await new Promise<void>((resolve) => server.listen(Number(new URL(base).port), host, resolve));
      }
    },
    requests,
    failNext(count, status, extra = {}) {
      const response = errorResponse(status);
      // Custom headers replace the defaults, so a 403 can be about scopes instead of the rate limit.
      injected.push({ ...response, ...extra, headers: extra.headers ?? response.headers, remaining: count });
    },
    injectNext(count, response) {
      injected.push({ ...response, remaining: count });
    },
    async seedRepository(owner, name, seed = {}) {
      if (!accounts.has(owner.toLowerCase())) addAccount(owner, "User");
      await addRepo(accounts.get(owner.toLowerCase())!.login, name, seed.private ?? false, null);
    },
    seedPullRequest(owner, repoName, { headSha, mergeCommitSha, author, ...pull }) {
      const repo = repos.get(repoKey(owner, repoName));
      if (!repo) throw new Error(`seedPullRequest: no repository ${owner}/${repoName}`);
      const pr = addPull(repo, { ...pull, body: null });
      if (author && !accounts.has(author.toLowerCase())) addAccount(author, "User");
      Object.assign(pr, { headSha, mergeCommitSha, ...(author ? { user: author } : {}), ...(mergeCommitSha ? { state: "closed" } : {}) });
      return pr.number;
    },
    seedReview(owner, repoName, number, { user, state, commitId }) {
      const list = reviews.get(repoKey(owner, repoName)) ?? [];
      reviews.set(repoKey(owner, repoName), list);
      if (!accounts.has(user.toLowerCase())) addAccount(user, "User");
      const review: Review = { id: nextId++, pull: number, user, state, commitId };
      list.push(review);
      return review.id;
    },
    seedWorkflowRun(owner, repoName, seeded) {
      const key = repoKey(owner, repoName);
      const list = runs.get(key) ?? [];
      runs.set(key, list);
      const workflowKey = `${key}:${seeded.workflowPath}`;
      if (!workflowIds.has(workflowKey)) workflowIds.set(workflowKey, nextId++);
      const runNumber = list.filter((r) => r.workflowPath === seeded.workflowPath).length + 1;
      const run: Run = { ...seeded, id: nextId++, runNumber, workflowId: workflowIds.get(workflowKey)! };
      list.push(run);
      return run.id;
    },
    seedCollaborator(owner, repoName, login, permission) {
      const key = repoKey(owner, repoName);
      if (!collaborators.has(key)) collaborators.set(key, new Map());
      if (!accounts.has(login.toLowerCase())) addAccount(login, "User");
      collaborators.get(key)!.set(login.toLowerCase(), permission);
    },
    seedComment(owner, repoName, issue, { body, author }) {
      const list = comments.get(repoKey(owner, repoName)) ?? [];
      comments.set(repoKey(owner, repoName), list);
      if (!accounts.has(author.toLowerCase())) addAccount(author, "User");
      const comment = { id: nextId++, issue, body, user: author };
      list.push(comment);
      return comment.id;
    },
    state() {
      return {
        repositories: [...repos.values()].map((r) => ({ owner: r.owner, name: r.name, private: r.private, description: r.description })),
        pulls: [...pulls.entries()].flatMap(([repo, list]) => list.map((pr) => ({ ...pr, repo }))),
        comments: [...comments.entries()].flatMap(([repo, list]) => list.map((comment) => ({ ...comment, repo }))),
      };
    },
    clearInjected() {
      return injected.splice(0).length;
    },
    takeViolations() {
      const out = violations;
      violations = [];
      return out;
    },
    async close() {
      process.removeListener("exit", closeOnExit);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Smart-HTTP paths: `/<owner>/<repo>.git/...` (no REST operation starts like that). */
function isGitPath(url: string): boolean {
  return /^\/[^/]+\/[^/]+\.git(\/|\?|$)/.test(url);
}

/** Passes a git request to the git server as it came (method, path, headers, body) and its answer back. */
function proxyGit(req: http.IncomingMessage, res: http.ServerResponse, git: GitHttpServer): void {
  const upstream = new URL(git.url);
  const forward = http.request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  forward.on("error", () => res.destroy());
  req.pipe(forward);
}

/** One git command in `dir` (a bare repository), with optional stdin and extra environment; resolves to its trimmed stdout. */
function gitIn(dir: string, args: string[], input?: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, ...env } }, (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
    child.stdin?.on("error", () => {}); // EPIPE from commands that do not read stdin
    child.stdin?.end(input);
  });
}

function repoKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

function ok(body: Json) {
  return { status: 200, body };
}

const DOCS = "https://docs.github.com/rest";

/** GitHub-shaped error bodies and headers for a status. */
function errorResponse(status: number, body?: Json): { status: number; body: Json; headers: Record<string, string> } {
  const reset = String(Math.floor(Date.now() / 1000) + 1);
  switch (status) {
    case 401:
      return { status, body: { message: "Bad credentials", documentation_url: DOCS, status: "401" }, headers: {} };
    case 403:
      return {
        status,
        body: { message: "API rate limit exceeded for user ID 1000.", documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`, status: "403" },
        headers: { "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset, "x-ratelimit-resource": "core" },
      };
    case 404:
      return { status, body: notFound(), headers: {} };
    case 422:
      return { status, body: { documentation_url: DOCS, status: "422", ...(body ?? { message: "Validation Failed", errors: [] }) }, headers: {} };
    case 429:
      return {
        status,
        body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: DOCS, status: "429" },
        headers: { "retry-after": "1" },
      };
    default:
      return { status, body: { message: status === 503 ? "Service Unavailable" : "Server Error", documentation_url: DOCS, status: String(status) }, headers: {} };
  }
}

function notFound(): Json {
  return { message: "Not Found", documentation_url: DOCS, status: "404" };
}

/**
 * A real git server and the GitHub double in front of it, both accepting `token`, for the tests of one `describe`:
 * started before its tests, closed after them. Read `git` and `api` inside the tests (they exist from then on).
 */
export function useGitHubDouble(token: string): { readonly git: GitHttpServer; readonly api: GitHubApiServer } {
  const servers = {} as { git: GitHttpServer; api: GitHubApiServer };
  beforeAll(async () => {
    servers.git = await startGitHttpServer({ auth: { username: "x-access-token", password: token } });
    servers.api = await startGitHubApiServer({ login: "octocat", token, git: servers.git });
  });
  afterAll(async () => {
    await servers.api?.close();
    await servers.git?.close();
  });
  return servers;
}
