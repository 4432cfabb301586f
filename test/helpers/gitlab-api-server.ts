/**
 * A local double of GitLab's REST API (v4) for tests, on 127.0.0.1, that holds every request and every one of its
 * answers to the routes, parameters and fields GitLab documents (gitlab-api-contract.ts says what is checked and
 * what cannot be). Real clients talk to it: the tool's GitLabForge (@gitbeaker/core) and the generated
 * .gitlab/scripts/terraform-mr.cjs (fetch).
 *
 *   const api = await startGitLabApiServer({ username: "root", token: "glpat-…", groups: ["acme"], git });
 *   api.failNext(1, 503);                    // the next request gets a GitLab-like 503
 *   afterEach(() => expect(api.takeViolations()).toEqual([]));
 *   await api.close();                        // also happens on process exit
 *
 * State (users, groups, projects, merge requests, notes, pipelines) lives in memory. With `git` (a git http server),
 * each created project is backed by a bare repository there and served on the double's own origin, as a GitLab
 * instance serves `https://<host>/<group>/<project>.git` (git requests are passed on, Authorization included).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { routes, type ParamSpec, type RouteSpec } from "./gitlab-api-contract.js";
import type { GitHttpServer } from "./git-http-server.js";

type Json = any;

export interface GitLabApiServerOptions {
  /** The token's user. @default "root" */
  username?: string;
  /** The token the server accepts (PRIVATE-TOKEN header). @default "test-token" */
  token?: string;
  /** Groups that exist (full paths, e.g. "acme", "acme/platform"); the user may create projects in them. */
  groups?: string[];
  /** Other users that exist (their namespaces cannot take the token user's projects). */
  users?: string[];
  /** Backs created projects with bare repositories on this git server. */
  git?: GitHttpServer;
  /** Address to listen on. @default "127.0.0.1" */
  host?: string;
  /** A path prefix the instance is served under (a relative URL root), e.g. "/gitlab". */
  prefix?: string;
  /** The `http_url_to_repo` the API answers for a project instead of the double's own (a hostile API). */
  cloneUrl?: (path: string) => string;
  /** Every error answer quotes the request's PRIVATE-TOKEN header, as a misconfigured proxy may. */
  echoToken?: boolean;
  /** Answers every API request with a redirect to this origin (same path). */
  redirectTo?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  body?: string;
}

interface Project {
  id: number;
  path: string;
  namespace: { id: number; path: string; kind: "user" | "group" };
  visibility: string;
  description: string | null;
  defaultBranch: string | null;
}

interface MergeRequest {
  id: number;
  iid: number;
  projectId: number;
  title: string;
  description: string;
  state: "opened" | "closed" | "merged";
  sourceBranch: string;
  targetBranch: string;
  sourceProjectId: number;
  author: string;
  sha: string;
  mergeCommitSha: string | null;
  squashCommitSha: string | null;
}

interface Note {
  id: number;
  projectId: number;
  iid: number;
  body: string;
  author: string;
  system: boolean;
  createdAt: string;
}

/** A merge request pipeline with jobs, each with the files of its artifacts. */
export interface SeededPipeline {
  sha: string;
  ref: string;
  source?: string;
  status?: string;
  jobs: Array<{ name: string; status: string; artifacts?: Record<string, string> }>;
}

export interface GitLabApiServer {
  /** Instance URL, e.g. `http://127.0.0.1:PORT` (API at `<url>/api/v4`). */
  url: string;
  readonly requests: RecordedRequest[];
  /** The PRIVATE-TOKEN header of every request that carried one (and Authorization of git requests). */
  readonly credentialsSeen: string[];
  /** Requests or answers that did not match the documented contract. */
  takeViolations(): string[];
  /** The next `count` API requests get `status` with a GitLab-like body. */
  failNext(count: number, status: number, headers?: Record<string, string>): void;
  /** Answers API requests only after `ms` milliseconds (a slow server). */
  delayAnswers(ms: number): void;
  project(path: string): Project | undefined;
  mergeRequests(path: string): MergeRequest[];
  notes(path: string, iid: number): Note[];
  /** Adds a user (for authors and approvers). Returns its id. */
  addUser(username: string): number;
  /** A project that exists before the test (with `git`, its bare repository too). */
  seedProject(path: string, options?: { defaultBranch?: string | null }): Promise<Project>;
  seedMergeRequest(path: string, mr: Partial<MergeRequest> & { sourceBranch: string; author: string; sha: string }): MergeRequest;
  seedApproval(path: string, iid: number, username: string, approvedAt?: string): void;
  seedVersion(path: string, iid: number, headSha: string, createdAt: string): void;
  seedPipeline(path: string, iid: number, pipeline: SeededPipeline): void;
  seedNote(path: string, iid: number, note: { body: string; author: string; system?: boolean; createdAt?: string }): void;
  close(): Promise<void>;
}

const SHA = /^[0-9a-f]{40}$/;

export async function startGitLabApiServer(options: GitLabApiServerOptions = {}): Promise<GitLabApiServer> {
  const token = options.token ?? "test-token";
  const prefix = (options.prefix ?? "").replace(/\/+$/, "");
  let nextId = 100;
  const users = new Map<string, number>();
  const addUser = (name: string) => {
    if (!users.has(name)) users.set(name, nextId++);
    return users.get(name)!;
  };
  const me = options.username ?? "root";
  addUser(me);
  for (const user of options.users ?? []) addUser(user);
  const groups = new Map<string, number>((options.groups ?? []).map((group) => [group, nextId++]));
  const projects = new Map<string, Project>();
  const mergeRequests: MergeRequest[] = [];
  const notes: Note[] = [];
  const approvals: Array<{ projectId: number; iid: number; user: string; approvedAt?: string }> = [];
  const versions: Array<{ projectId: number; iid: number; headSha: string; createdAt: string; id: number }> = [];
  const pipelines: Array<SeededPipeline & { id: number; projectId: number; iid: number; jobIds: number[] }> = [];
  const jobs = new Map<number, { name: string; status: string; artifacts: Record<string, string>; pipelineId: number }>();
  const requests: RecordedRequest[] = [];
  const credentialsSeen: string[] = [];
  let violations: string[] = [];
  let failures: Array<{ status: number; headers: Record<string, string> }> = [];
  let delay = 0;
  let url = "";

  const projectByRef = (ref: string) => {
    const decoded = decodeURIComponent(ref);
    return /^\d+$/.test(decoded) ? [...projects.values()].find((p) => p.id === Number(decoded)) : projects.get(decoded.toLowerCase());
  };
  const fullPath = (p: Project) => `${p.namespace.path}/${p.path}`;
  const webUrl = (path: string) => `${url}${prefix}/${path}`;
  const projectJson = (p: Project) => ({
    id: p.id,
    name: p.path,
    path: p.path,
    path_with_namespace: fullPath(p),
    namespace: { id: p.namespace.id, name: p.namespace.path, path: p.namespace.path.split("/").pop(), kind: p.namespace.kind, full_path: p.namespace.path },
    default_branch: p.defaultBranch,
    visibility: p.visibility,
    description: p.description,
    http_url_to_repo: options.cloneUrl ? options.cloneUrl(fullPath(p)) : `${webUrl(fullPath(p))}.git`,
    ssh_url_to_repo: `git@${new URL(url).hostname}:${fullPath(p)}.git`,
    web_url: webUrl(fullPath(p)),
  });
  const userJson = (name: string) => ({ id: users.get(name) ?? 0, username: name, name, state: "active", web_url: webUrl(name) });
  const mrJson = (mr: MergeRequest) => {
    const p = [...projects.values()].find((candidate) => candidate.id === mr.projectId)!;
    return {
      id: mr.id,
      iid: mr.iid,
      project_id: mr.projectId,
      title: mr.title,
      description: mr.description,
      state: mr.state,
      source_branch: mr.sourceBranch,
      target_branch: mr.targetBranch,
      source_project_id: mr.sourceProjectId,
      target_project_id: mr.projectId,
      author: userJson(mr.author),
      sha: mr.sha,
      merge_commit_sha: mr.mergeCommitSha,
      squash_commit_sha: mr.squashCommitSha,
      web_url: `${webUrl(fullPath(p))}/-/merge_requests/${mr.iid}`,
    };
  };
  const noteJson = (note: Note) => ({ id: note.id, body: note.body, author: userJson(note.author), created_at: note.createdAt, system: note.system, noteable_type: "MergeRequest" });

  async function createProject(path: string, namespace: Project["namespace"], visibility: string, description: string | null, defaultBranch: string | null): Promise<Project> {
    const project: Project = { id: nextId++, path: path.split("/").pop()!, namespace, visibility, description, defaultBranch };
    projects.set(path.toLowerCase(), project);
    if (options.git) {
      await options.git.createBareRepo(path);
      if (defaultBranch) await initializeWithReadme(options.git.repoPath(path), defaultBranch);
    }
    return project;
  }

  /** What initialize_with_readme makes: one commit with a README on the default branch. */
  async function initializeWithReadme(bare: string, branch: string): Promise<void> {
    const { execFileSync } = await import("node:child_process");
    const env = { ...process.env, GIT_AUTHOR_NAME: "GitLab", GIT_AUTHOR_EMAIL: "gitlab@example.invalid", GIT_COMMITTER_NAME: "GitLab", GIT_COMMITTER_EMAIL: "gitlab@example.invalid" };
    const blob = execFileSync("git", ["hash-object", "-w", "--stdin"], { cwd: bare, input: "# README\n", encoding: "utf8", env }).trim();
    const tree = execFileSync("git", ["mktree"], { cwd: bare, input: `100644 blob ${blob}\tREADME.md\n`, encoding: "utf8", env }).trim();
    const commit = execFileSync("git", ["commit-tree", tree, "-m", "Initial commit"], { cwd: bare, encoding: "utf8", env }).trim();
    execFileSync("git", ["update-ref", `refs/heads/${branch}`, commit], { cwd: bare, env });
    execFileSync("git", ["symbolic-ref", "HEAD", `refs/heads/${branch}`], { cwd: bare, env });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Contract checks.

  const matchRoute = (method: string, path: string): { route: RouteSpec; params: Record<string, string> } | undefined => {
    for (const route of routes) {
      if (route.method !== method) continue;
      const pattern = route.path.replace(/[.+?^$()|[\]\\]/g, "\\$&").replace(/:([a-z_]+)/g, "(?<$1>[^/]+)").replace(/\*$/, "(?<rest>.+)");
      const match = new RegExp(`^${pattern}$`).exec(path);
      if (match) return { route, params: { ...(match.groups ?? {}) } };
    }
    return undefined;
  };
  const typeOk = (spec: ParamSpec, value: unknown): boolean => {
    switch (spec.type) {
      case "string":
        return typeof value === "string";
      case "integer":
        return typeof value === "number" ? Number.isInteger(value) : typeof value === "string" && /^\d+$/.test(value);
      case "boolean":
        return typeof value === "boolean" || value === "true" || value === "false";
      case "string[]":
        return Array.isArray(value) && value.every((item) => typeof item === "string");
      case "id":
        return typeof value === "string" || typeof value === "number";
    }
  };
  const checkParams = (where: string, specs: Record<string, ParamSpec> | undefined, given: Record<string, unknown>) => {
    for (const [name, value] of Object.entries(given)) {
      const spec = specs?.[name];
      if (!spec) {
        violations.push(`${where}: parameter ${name} is not documented`);
        continue;
      }
      if (!typeOk(spec, value)) violations.push(`${where}: ${name} must be ${spec.type}, got ${JSON.stringify(value)}`);
      if (spec.enum && !spec.enum.includes(String(value))) violations.push(`${where}: ${name} must be one of ${spec.enum.join(", ")}, got ${JSON.stringify(value)}`);
      if (spec.maxLength !== undefined && typeof value === "string" && [...value].length > spec.maxLength) violations.push(`${where}: ${name} is longer than GitLab's ${spec.maxLength} characters`);
    }
    for (const [name, spec] of Object.entries(specs ?? {})) if (spec.required && !(name in given)) violations.push(`${where}: required parameter ${name} is missing`);
  };
  const checkAnswer = (where: string, route: RouteSpec, body: Json) => {
    for (const item of Array.isArray(body) ? body : [body]) {
      if (!item || typeof item !== "object") continue;
      for (const field of route.answers) if (!(field in item)) violations.push(`${where}: the answer lacks the documented field ${field}`);
    }
  };

  // ---------------------------------------------------------------------------------------------------------
  // Routes.

  const err = (status: number, message: Json) => ({ status, body: { message } });
  const ok = (body: Json, status = 200) => ({ status, body });

  async function handle(method: string, route: RouteSpec, params: Record<string, string>, query: URLSearchParams, body: Json): Promise<{ status: number; body: Json; headers?: Record<string, string> }> {
    const project = params.id ? projectByRef(params.id) : undefined;
    if (params.id && !project && route.operationId !== "getApiV4NamespacesId") return err(404, "404 Project Not Found");
    const mrOf = () => mergeRequests.find((mr) => mr.projectId === project!.id && mr.iid === Number(params.merge_request_iid));
    switch (route.operationId) {
      case "getApiV4User":
        return ok(userJson(me));
      case "getApiV4NamespacesId": {
        const path = decodeURIComponent(params.id!);
        if (groups.has(path)) return ok({ id: groups.get(path), name: path.split("/").pop(), path: path.split("/").pop(), kind: "group", full_path: path, web_url: webUrl(`groups/${path}`) });
        if (users.has(path)) return ok({ id: users.get(path), name: path, path, kind: "user", full_path: path, web_url: webUrl(path) });
        return err(404, "404 Namespace Not Found");
      }
      case "getApiV4ProjectsId":
        return ok(projectJson(project!));
      case "postApiV4Projects": {
        const namespaceId = body.namespace_id === undefined ? users.get(me)! : Number(body.namespace_id);
        const group = [...groups].find(([, id]) => id === namespaceId)?.[0];
        const namespace: Project["namespace"] = group ? { id: namespaceId, path: group, kind: "group" } : namespaceId === users.get(me) ? { id: namespaceId, path: me, kind: "user" } : { id: -1, path: "", kind: "user" };
        if (namespace.id === -1) return err(404, "404 Namespace Not Found");
        const name = String(body.path ?? body.name);
        if (projects.has(`${namespace.path}/${name}`.toLowerCase())) return err(400, { name: ["has already been taken"], path: ["has already been taken"] });
        const created = await createProject(`${namespace.path}/${name}`, namespace, String(body.visibility ?? "private"), body.description ?? null, body.initialize_with_readme ? String(body.default_branch ?? "main") : null);
        return ok(projectJson(created), 201);
      }
      case "getApiV4ProjectsIdMergeRequests": {
        const state = query.get("state") ?? "all";
        const list = mergeRequests.filter(
          (mr) => mr.projectId === project!.id && (state === "all" || mr.state === state) && (!query.get("source_branch") || mr.sourceBranch === query.get("source_branch")),
        );
        return ok(list.map(mrJson));
      }
      case "postApiV4ProjectsIdMergeRequests": {
        // One open merge request per source project and branch, and target branch (a fork's branch of the same name is another).
        const open = mergeRequests.find((mr) => mr.projectId === project!.id && mr.sourceProjectId === project!.id && mr.state === "opened" && mr.sourceBranch === body.source_branch && mr.targetBranch === body.target_branch);
        if (open) return err(409, [`Another open merge request already exists for this source branch: !${open.iid}`]);
        const iid = mergeRequests.filter((mr) => mr.projectId === project!.id).length + 1;
        const mr: MergeRequest = {
          id: nextId++,
          iid,
          projectId: project!.id,
          title: body.title,
          description: body.description ?? "",
          state: "opened",
          sourceBranch: body.source_branch,
          targetBranch: body.target_branch,
          sourceProjectId: project!.id,
          author: me,
          sha: "0".repeat(40),
          mergeCommitSha: null,
          squashCommitSha: null,
        };
        mergeRequests.push(mr);
        return ok(mrJson(mr), 201);
      }
      case "putApiV4ProjectsIdMergeRequestsMergeRequestIid": {
        const mr = mrOf();
        if (!mr) return err(404, "404 Not found");
        if (body.title !== undefined) mr.title = body.title;
        if (body.description !== undefined) mr.description = body.description;
        if (body.target_branch !== undefined) mr.targetBranch = body.target_branch;
        return ok(mrJson(mr));
      }
      case "getApiV4ProjectsIdMergeRequestsNoteableIdNotes": {
        const list = notes.filter((note) => note.projectId === project!.id && note.iid === Number(params.merge_request_iid));
        return ok((query.get("sort") === "desc" ? [...list].reverse() : list).map(noteJson));
      }
      case "postApiV4ProjectsIdMergeRequestsNoteableIdNotes": {
        if (!mrOf()) return err(404, "404 Not found");
        const note: Note = { id: nextId++, projectId: project!.id, iid: Number(params.merge_request_iid), body: body.body, author: me, system: false, createdAt: new Date().toISOString() };
        notes.push(note);
        return ok(noteJson(note), 201);
      }
      case "putApiV4ProjectsIdMergeRequestsNoteableIdNotesNoteId": {
        const note = notes.find((n) => n.id === Number(params.note_id) && n.projectId === project!.id);
        if (!note) return err(404, "404 Note Not Found");
        if (note.author !== me) return err(403, "403 Forbidden");
        note.body = body.body;
        return ok(noteJson(note));
      }
      case "getApiV4ProjectsIdRepositoryCommitsShaMergeRequests":
        return ok(mergeRequests.filter((mr) => mr.projectId === project!.id && [mr.sha, mr.mergeCommitSha, mr.squashCommitSha].includes(params.sha!)).map(mrJson));
      case "getApiV4ProjectsIdMergeRequestsMergeRequestIidApprovals": {
        const mr = mrOf();
        if (!mr) return err(404, "404 Not found");
        const approvedBy = approvals.filter((a) => a.projectId === project!.id && a.iid === mr.iid).map((a) => ({ user: userJson(a.user), ...(a.approvedAt ? { approved_at: a.approvedAt } : {}) }));
        return ok({ id: mr.id, iid: mr.iid, project_id: project!.id, approved: approvedBy.length > 0, approved_by: approvedBy });
      }
      case "getApiV4ProjectsIdMergeRequestsMergeRequestIidVersions":
        return ok(
          versions
            .filter((v) => v.projectId === project!.id && v.iid === Number(params.merge_request_iid))
            .reverse()
            .map((v) => ({ id: v.id, head_commit_sha: v.headSha, base_commit_sha: "b".repeat(40), start_commit_sha: "b".repeat(40), created_at: v.createdAt, state: "collected" })),
        );
      case "getApiV4ProjectsIdMergeRequestsMergeRequestIidPipelines":
        return ok(
          pipelines
            .filter((p) => p.projectId === project!.id && p.iid === Number(params.merge_request_iid))
            .map((p) => ({ id: p.id, sha: p.sha, ref: p.ref, status: p.status ?? "success", source: p.source ?? "merge_request_event", web_url: `${webUrl(fullPath(project!))}/-/pipelines/${p.id}` })),
        );
      case "getApiV4ProjectsIdPipelinesPipelineIdJobs": {
        const pipeline = pipelines.find((p) => p.id === Number(params.pipeline_id) && p.projectId === project!.id);
        if (!pipeline) return err(404, "404 Not found");
        const scope = query.get("scope[]");
        return ok(
          pipeline.jobIds
            .map((id) => ({ id, ...jobs.get(id)! }))
            .filter((job) => !scope || job.status === scope)
            .map((job) => ({ id: job.id, name: job.name, status: job.status, stage: "plan", ref: pipeline.ref, web_url: `${webUrl(fullPath(project!))}/-/jobs/${job.id}`, pipeline: { id: pipeline.id, sha: pipeline.sha, ref: pipeline.ref, status: pipeline.status ?? "success", source: pipeline.source ?? "merge_request_event" } })),
        );
      }
      case "getApiV4ProjectsIdJobsJobIdArtifacts*ArtifactPath": {
        const job = jobs.get(Number(params.job_id));
        const file = job?.artifacts[decodeURIComponent(params.rest!)];
        if (file === undefined) return err(404, "404 Not found");
        return { status: 200, body: file, headers: { "content-type": "application/octet-stream" } };
      }
    }
    return err(404, "404 Not Found");
  }

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (options.git && !path.startsWith(`${prefix}/api/`) && /\.git(\/|$)/.test(path)) {
      if (req.headers.authorization) credentialsSeen.push(req.headers.authorization);
      return proxyGit(req, res, options.git, prefix);
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => void respond(req, res, Buffer.concat(chunks).toString("utf8")));
  });

  async function respond(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const method = req.method ?? "GET";
    const target = new URL(req.url ?? "/", url);
    const path = target.pathname;
    const privateToken = req.headers["private-token"];
    if (typeof privateToken === "string") credentialsSeen.push(privateToken);
    const send = (status: number, body: Json, headers: Record<string, string> = {}) => {
      requests.push({ method, path, status, ...(raw ? { body: raw } : {}) });
      const text = typeof body === "string" && headers["content-type"] ? body : JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(text);
    };
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (options.redirectTo) {
      requests.push({ method, path, status: 307 });
      res.writeHead(307, { location: `${options.redirectTo}${req.url}` }).end();
      return;
    }
    if (!path.startsWith(`${prefix}/api/v4/`)) return send(404, { message: "404 Not Found" });
    const apiPath = path.slice(`${prefix}/api/v4`.length);
    const echo = options.echoToken ? ` (request had PRIVATE-TOKEN: ${String(privateToken)})` : "";
    const failure = failures.shift();
    if (failure) return send(failure.status, { message: `${failure.status} ${failure.status === 429 ? "Too Many Requests" : "Service Unavailable"}${echo}` }, failure.headers);
    if (privateToken !== token) return send(401, { message: `401 Unauthorized${echo}` });
    // The path as sent: GitLab takes a project or namespace path URL-encoded in one segment.
    const matched = matchRoute(method, apiPath.replace(/%2F/gi, "%2F"));
    if (!matched) {
      violations.push(`${method} ${apiPath}: not a documented route`);
      return send(404, { message: "404 Not Found" });
    }
    const where = `${method} ${matched.route.path}`;
    let body: Json = {};
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        violations.push(`${where}: the body is not JSON`);
      }
    }
    const query: Record<string, string> = {};
    target.searchParams.forEach((value, key) => (query[key] = value));
    checkParams(`${where} query`, matched.route.query, query);
    if (method === "POST" || method === "PUT") checkParams(`${where} body`, matched.route.body, body);
    const answer = await handle(method, matched.route, matched.params, target.searchParams, body);
    if (answer.status < 300 && !answer.headers) checkAnswer(where, matched.route, answer.body);
    if (answer.status >= 400 && echo) answer.body = { message: `${typeof answer.body.message === "string" ? answer.body.message : JSON.stringify(answer.body.message)}${echo}` };
    send(answer.status, answer.body, answer.headers);
  }

  await new Promise<void>((resolve) => server.listen(0, options.host ?? "127.0.0.1", resolve));
  server.unref();
  url = `http://${options.host ?? "127.0.0.1"}:${(server.address() as AddressInfo).port}`;
  const closeOnExit = () => server.close();
  process.once("exit", closeOnExit);

  return {
    get url() {
      return `${url}${prefix}`;
    },
    requests,
    credentialsSeen,
    takeViolations() {
      const out = violations;
      violations = [];
      return out;
    },
    failNext(count, status, headers = {}) {
      failures = [...failures, ...Array.from({ length: count }, () => ({ status, headers }))];
    },
    delayAnswers(ms) {
      delay = ms;
    },
    project: (path) => projects.get(path.toLowerCase()),
    mergeRequests: (path) => mergeRequests.filter((mr) => mr.projectId === projects.get(path.toLowerCase())?.id),
    notes: (path, iid) => notes.filter((note) => note.projectId === projects.get(path.toLowerCase())?.id && note.iid === iid),
    addUser,
    async seedProject(path, seed = {}) {
      const namespacePath = path.split("/").slice(0, -1).join("/");
      const namespace: Project["namespace"] = groups.has(namespacePath) ? { id: groups.get(namespacePath)!, path: namespacePath, kind: "group" } : { id: addUser(namespacePath), path: namespacePath, kind: "user" };
      return createProject(path, namespace, "private", null, seed.defaultBranch === undefined ? "main" : seed.defaultBranch);
    },
    seedMergeRequest(path, seed) {
      const project = projects.get(path.toLowerCase())!;
      addUser(seed.author);
      if (!SHA.test(seed.sha)) throw new Error("seedMergeRequest: sha must be 40 hex digits");
      const mr: MergeRequest = {
        id: nextId++,
        iid: seed.iid ?? mergeRequests.filter((m) => m.projectId === project.id).length + 1,
        projectId: project.id,
        title: seed.title ?? "change",
        description: seed.description ?? "",
        state: seed.state ?? "opened",
        sourceBranch: seed.sourceBranch,
        targetBranch: seed.targetBranch ?? "main",
        sourceProjectId: seed.sourceProjectId ?? project.id,
        author: seed.author,
        sha: seed.sha,
        mergeCommitSha: seed.mergeCommitSha ?? null,
        squashCommitSha: seed.squashCommitSha ?? null,
      };
      mergeRequests.push(mr);
      return mr;
    },
    seedApproval(path, iid, username, approvedAt) {
      addUser(username);
      approvals.push({ projectId: projects.get(path.toLowerCase())!.id, iid, user: username, ...(approvedAt ? { approvedAt } : {}) });
    },
    seedVersion(path, iid, headSha, createdAt) {
      versions.push({ projectId: projects.get(path.toLowerCase())!.id, iid, headSha, createdAt, id: nextId++ });
    },
    seedPipeline(path, iid, pipeline) {
      const jobIds = pipeline.jobs.map((job) => {
        const id = nextId++;
        jobs.set(id, { name: job.name, status: job.status, artifacts: job.artifacts ?? {}, pipelineId: 0 });
        return id;
      });
      pipelines.push({ ...pipeline, id: nextId++, projectId: projects.get(path.toLowerCase())!.id, iid, jobIds });
    },
    seedNote(path, iid, note) {
      addUser(note.author);
      notes.push({ id: nextId++, projectId: projects.get(path.toLowerCase())!.id, iid, body: note.body, author: note.author, system: note.system ?? false, createdAt: note.createdAt ?? new Date().toISOString() });
    },
    async close() {
      process.removeListener("exit", closeOnExit);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Passes a git request on to the git server (without the instance's path prefix), and its answer back. */
function proxyGit(req: http.IncomingMessage, res: http.ServerResponse, git: GitHttpServer, prefix: string): void {
  const upstream = new URL(git.url);
  const forward = http.request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: (req.url ?? "/").slice(prefix.length), headers: { ...req.headers, host: upstream.host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  forward.on("error", () => res.destroy());
  req.pipe(forward);
}
