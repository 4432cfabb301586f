/**
 * Gitea (and Forgejo, which keeps Gitea's API) as a third forge, written against the tool's Forge interface in the
 * tests only: a small client over fetch, and a double of the routes it calls. It shows that the interface carries a
 * forge whose URL shapes are GitHub's (a repository is `<host>/<owner>/<repo>.git`, the API under the same origin),
 * which is what adding it to src/forge/kinds/ would take, with a client of its own.
 *
 * The routes and parameters are those of Gitea's API description (swagger 2.0, `templates/swagger/v1_json.tmpl` in
 * go-gitea/gitea, served by every instance at /swagger.v1.json; MIT), by operationId; each request is checked for
 * its route, its documented body fields and the required ones. The description itself (500 KB) is not vendored.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { CommentOptions, CommentResult, EnsureRepositoryOptions, EnsureRepositoryResult, Forge, ForgeUser, UpsertPullRequestOptions, UpsertPullRequestResult } from "../../src/forge/types.js";
import type { GitHttpServer } from "./git-http-server.js";

interface Route {
  operationId: string;
  method: string;
  /** Under /api/v1, `{name}` a path parameter. */
  path: string;
  body?: { fields: readonly string[]; required: readonly string[] };
}

const ROUTES: readonly Route[] = [
  { operationId: "userGetCurrent", method: "GET", path: "/user" },
  { operationId: "repoGet", method: "GET", path: "/repos/{owner}/{repo}" },
  { operationId: "orgGet", method: "GET", path: "/orgs/{org}" },
  { operationId: "createCurrentUserRepo", method: "POST", path: "/user/repos", body: { fields: ["name", "description", "private", "auto_init", "default_branch", "readme", "gitignores", "license", "trust_model", "template", "issue_labels", "object_format_name"], required: ["name"] } },
  { operationId: "createOrgRepo", method: "POST", path: "/orgs/{org}/repos", body: { fields: ["name", "description", "private", "auto_init", "default_branch", "readme", "gitignores", "license", "trust_model", "template", "issue_labels", "object_format_name"], required: ["name"] } },
  { operationId: "repoListPullRequests", method: "GET", path: "/repos/{owner}/{repo}/pulls" },
  { operationId: "repoCreatePullRequest", method: "POST", path: "/repos/{owner}/{repo}/pulls", body: { fields: ["head", "base", "title", "body", "assignee", "assignees", "labels", "milestone", "due_date", "reviewers", "team_reviewers"], required: [] } },
  { operationId: "repoEditPullRequest", method: "PATCH", path: "/repos/{owner}/{repo}/pulls/{index}", body: { fields: ["title", "body", "base", "assignee", "assignees", "labels", "milestone", "state", "due_date", "unset_due_date", "allow_maintainer_edit"], required: [] } },
  { operationId: "issueCreateComment", method: "POST", path: "/repos/{owner}/{repo}/issues/{index}/comments", body: { fields: ["body"], required: ["body"] } },
];

/** {@link Forge} on Gitea's API v1: `Authorization: token <token>`, errors as `{ message }`. */
export class GiteaForge implements Forge {
  readonly #token: string;
  readonly #api: string;
  constructor(options: { token: string; apiUrl: string }) {
    this.#token = options.token;
    this.#api = options.apiUrl.replace(/\/+$/, "");
  }

  async #call(method: string, path: string, body?: unknown): Promise<{ status: number; data: any }> {
    const response = await fetch(`${this.#api}${path}`, {
      method,
      headers: { authorization: `token ${this.#token}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      redirect: "error",
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { status: response.status, data: text ? JSON.parse(text) : null };
  }

  async getAuthenticatedUser(): Promise<ForgeUser> {
    return { login: (await this.#call("GET", "/user")).data.login };
  }

  async ensureRepository(options: EnsureRepositoryOptions): Promise<EnsureRepositoryResult> {
    const fields = (data: any, created: boolean) => ({ created, cloneUrl: data.clone_url, htmlUrl: data.html_url, defaultBranch: data.default_branch });
    const found = await this.#call("GET", `/repos/${options.owner}/${options.repo}`);
    if (found.status === 200) return fields(found.data, false);
    const me = await this.getAuthenticatedUser();
    const path = me.login === options.owner ? "/user/repos" : `/orgs/${options.owner}/repos`;
    const created = await this.#call("POST", path, { name: options.repo, private: options.private, ...(options.description ? { description: options.description } : {}), ...(options.autoInit ? { auto_init: true, default_branch: "main" } : {}) });
    if (created.status !== 201) throw new Error(`Gitea refused to create ${options.owner}/${options.repo}: ${created.data?.message}`);
    return fields(created.data, true);
  }

  async upsertPullRequest(options: UpsertPullRequestOptions): Promise<UpsertPullRequestResult> {
    const { owner, repo, head, base, title, body } = options;
    const open = (await this.#call("GET", `/repos/${owner}/${repo}/pulls?state=open&limit=50`)).data as Array<{ number: number; html_url: string; head: { ref: string; repo: { full_name: string } } }>;
    const mine = open.find((pull) => pull.head.ref === head && pull.head.repo.full_name === `${owner}/${repo}`);
    if (mine) {
      const { data } = await this.#call("PATCH", `/repos/${owner}/${repo}/pulls/${mine.number}`, { title, body, base });
      return { number: data.number, url: data.html_url, created: false };
    }
    const { data } = await this.#call("POST", `/repos/${owner}/${repo}/pulls`, { head, base, title, body });
    return { number: data.number, url: data.html_url, created: true };
  }

  async comment(options: CommentOptions): Promise<CommentResult> {
    return { id: (await this.#call("POST", `/repos/${options.owner}/${options.repo}/issues/${options.number}/comments`, { body: options.body })).data.id };
  }
}

export interface GiteaApiServer {
  url: string;
  takeViolations(): string[];
  pulls(path: string): Array<{ number: number; head: string; base: string; title: string; body: string }>;
  comments(path: string, number: number): string[];
  close(): Promise<void>;
}

/** A Gitea instance's API (routes above, checked) in front of a git server that holds its repositories. */
export async function startGiteaApiServer(options: { username: string; token: string; organizations: string[]; git: GitHttpServer }): Promise<GiteaApiServer> {
  const repos = new Map<string, { owner: string; name: string; private: boolean; defaultBranch: string }>();
  const pulls = new Map<string, Array<{ number: number; head: string; base: string; title: string; body: string; state: string }>>();
  const comments = new Map<string, string[]>();
  let violations: string[] = [];
  let url = "";
  const repoJson = (key: string) => {
    const repo = repos.get(key)!;
    return { id: 1, full_name: key, name: repo.name, owner: { login: repo.owner }, private: repo.private, default_branch: repo.defaultBranch, clone_url: `${url}/${key}.git`, html_url: `${url}/${key}` };
  };
  const pullJson = (key: string, pull: { number: number; head: string; base: string; title: string; body: string; state: string }) => ({
    id: pull.number,
    number: pull.number,
    title: pull.title,
    body: pull.body,
    state: pull.state,
    html_url: `${url}/${key}/pulls/${pull.number}`,
    head: { ref: pull.head, repo: repoJson(key) },
    base: { ref: pull.base, repo: repoJson(key) },
  });

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (/\.git(\/|$)/.test(path)) {
      const upstream = new URL(options.git.url);
      const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on("error", () => res.destroy());
      req.pipe(forward);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", async () => {
      const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.headers.authorization !== `token ${options.token}`) return send(401, { message: "token is required" });
      const api = path.replace(/^\/api\/v1/, "");
      const match = ROUTES.map((route) => ({ route, m: new RegExp(`^${route.path.replace(/\{[a-z]+\}/g, "([^/]+)")}$`).exec(api) })).find(({ route, m }) => m && route.method === req.method);
      if (!match) {
        violations.push(`${req.method} ${api}: not a route of Gitea's API description`);
        return send(404, { message: "not found" });
      }
      const raw = Buffer.concat(chunks).toString("utf8");
      const body = raw ? JSON.parse(raw) : {};
      for (const field of Object.keys(body)) if (!match.route.body?.fields.includes(field)) violations.push(`${match.route.operationId}: body field ${field} is not documented`);
      for (const field of match.route.body?.required ?? []) if (!(field in body)) violations.push(`${match.route.operationId}: required body field ${field} is missing`);
      const [, a, b, c] = match.m!;
      switch (match.route.operationId) {
        case "userGetCurrent":
          return send(200, { id: 1, login: options.username });
        case "repoGet":
          return repos.has(`${a}/${b}`) ? send(200, repoJson(`${a}/${b}`)) : send(404, { message: "The target couldn't be found." });
        case "orgGet":
          return options.organizations.includes(a!) ? send(200, { id: 2, username: a }) : send(404, { message: "not found" });
        case "createCurrentUserRepo":
        case "createOrgRepo": {
          const owner = match.route.operationId === "createOrgRepo" ? a! : options.username;
          if (owner !== options.username && !options.organizations.includes(owner)) return send(404, { message: "not found" });
          const key = `${owner}/${body.name}`;
          if (repos.has(key)) return send(409, { message: "The repository with the same name already exists." });
          repos.set(key, { owner, name: body.name, private: Boolean(body.private), defaultBranch: body.default_branch ?? "main" });
          await options.git.createBareRepo(key);
          return send(201, repoJson(key));
        }
        case "repoListPullRequests":
          return send(200, (pulls.get(`${a}/${b}`) ?? []).filter((pull) => pull.state === "open").map((pull) => pullJson(`${a}/${b}`, pull)));
        case "repoCreatePullRequest": {
          const list = pulls.get(`${a}/${b}`) ?? [];
          const pull = { number: list.length + 1, head: body.head, base: body.base, title: body.title, body: body.body ?? "", state: "open" };
          pulls.set(`${a}/${b}`, [...list, pull]);
          return send(201, pullJson(`${a}/${b}`, pull));
        }
        case "repoEditPullRequest": {
          const pull = (pulls.get(`${a}/${b}`) ?? []).find((candidate) => candidate.number === Number(c));
          if (!pull) return send(404, { message: "not found" });
          Object.assign(pull, { ...(body.title !== undefined ? { title: body.title } : {}), ...(body.body !== undefined ? { body: body.body } : {}), ...(body.base !== undefined ? { base: body.base } : {}) });
          return send(201, pullJson(`${a}/${b}`, pull));
        }
        case "issueCreateComment":
          comments.set(`${a}/${b}#${c}`, [...(comments.get(`${a}/${b}#${c}`) ?? []), body.body]);
          return send(201, { id: (comments.get(`${a}/${b}#${c}`) ?? []).length, body: body.body });
      }
      return send(404, { message: "not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    takeViolations() {
      const out = violations;
      violations = [];
      return out;
    },
    pulls: (path) => (pulls.get(path) ?? []).map(({ number, head, base, title, body }) => ({ number, head, base, title, body })),
    comments: (path, number) => comments.get(`${path}#${number}`) ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
