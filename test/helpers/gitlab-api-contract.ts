/**
 * What the GitLab double (gitlab-api-server.ts) holds requests and its own answers to: for every route the tool and
 * the generated CI scripts call, the parameters GitLab's REST API documentation lists (name, type, required) and
 * the fields of the answer they read.
 *
 * Source: the REST API documentation of GitLab 19.x (docs.gitlab.com/api/<page>), page named per route. GitLab's
 * OpenAPI description covers the whole REST API since 19.x (doc/api/openapi/openapi_v3.yaml in gitlab-org/gitlab,
 * CC BY-SA 4.0), but it is a 3.9 MB generated document that no npm package ships and that could not be fetched whole
 * here; the routes, parameter names and types below were read from the documentation pages instead, and the route
 * names follow the operationIds GitLab generates (`getApiV4ProjectsIdMergeRequests`...). What this checks: every
 * request is a documented route; path parameters are present; query and body parameters are documented ones of the
 * documented type, required ones present; a description or note is within GitLab's length limit; answers carry the
 * documented fields the tool reads. What it cannot check: fields the tool ignores, GitLab's full validation rules
 * (path formats, permissions by role), and response fields beyond those listed.
 */

export type ParamType = "string" | "integer" | "boolean" | "string[]" | "id";

export interface ParamSpec {
  type: ParamType;
  required?: boolean;
  /** Longest accepted string, in characters. */
  maxLength?: number;
  /** Accepted values. */
  enum?: readonly string[];
}

export interface RouteSpec {
  operationId: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Under /api/v4; `:name` is a path parameter (`*` at the end takes the rest of the path). */
  path: string;
  /** docs.gitlab.com/api/<page> */
  docs: string;
  query?: Record<string, ParamSpec>;
  body?: Record<string, ParamSpec>;
  /** Fields every answer of this route carries (what the tool reads). */
  answers: readonly string[];
}

const pagination = { page: { type: "integer" }, per_page: { type: "integer" } } as const satisfies Record<string, ParamSpec>;

const PROJECT = ["id", "name", "path", "path_with_namespace", "namespace", "default_branch", "visibility", "http_url_to_repo", "ssh_url_to_repo", "web_url"] as const;
const MERGE_REQUEST = ["id", "iid", "project_id", "title", "description", "state", "source_branch", "target_branch", "source_project_id", "target_project_id", "author", "sha", "merge_commit_sha", "squash_commit_sha", "web_url"] as const;
const NOTE = ["id", "body", "author", "created_at", "system", "noteable_type"] as const;

export const routes: readonly RouteSpec[] = [
  { operationId: "getApiV4User", method: "GET", path: "/user", docs: "users", answers: ["id", "username", "name", "state", "web_url"] },
  { operationId: "getApiV4NamespacesId", method: "GET", path: "/namespaces/:id", docs: "namespaces", answers: ["id", "name", "path", "kind", "full_path", "web_url"] },
  { operationId: "getApiV4ProjectsId", method: "GET", path: "/projects/:id", docs: "projects", answers: PROJECT },
  {
    operationId: "postApiV4Projects",
    method: "POST",
    path: "/projects",
    docs: "projects",
    body: {
      name: { type: "string" },
      path: { type: "string" },
      namespace_id: { type: "integer" },
      description: { type: "string" },
      visibility: { type: "string", enum: ["private", "internal", "public"] },
      initialize_with_readme: { type: "boolean" },
      default_branch: { type: "string" },
    },
    answers: PROJECT,
  },
  {
    operationId: "getApiV4ProjectsIdMergeRequests",
    method: "GET",
    path: "/projects/:id/merge_requests",
    docs: "merge_requests",
    query: { ...pagination, state: { type: "string", enum: ["opened", "closed", "locked", "merged", "all"] }, source_branch: { type: "string" }, target_branch: { type: "string" } },
    answers: MERGE_REQUEST,
  },
  {
    operationId: "postApiV4ProjectsIdMergeRequests",
    method: "POST",
    path: "/projects/:id/merge_requests",
    docs: "merge_requests",
    body: {
      source_branch: { type: "string", required: true },
      target_branch: { type: "string", required: true },
      title: { type: "string", required: true },
      description: { type: "string", maxLength: 1_048_576 },
      remove_source_branch: { type: "boolean" },
      squash: { type: "boolean" },
    },
    answers: MERGE_REQUEST,
  },
  {
    operationId: "putApiV4ProjectsIdMergeRequestsMergeRequestIid",
    method: "PUT",
    path: "/projects/:id/merge_requests/:merge_request_iid",
    docs: "merge_requests",
    body: { title: { type: "string" }, description: { type: "string", maxLength: 1_048_576 }, target_branch: { type: "string" }, state_event: { type: "string", enum: ["close", "reopen"] } },
    answers: MERGE_REQUEST,
  },
  {
    operationId: "getApiV4ProjectsIdMergeRequestsNoteableIdNotes",
    method: "GET",
    path: "/projects/:id/merge_requests/:merge_request_iid/notes",
    docs: "notes",
    query: { ...pagination, sort: { type: "string", enum: ["asc", "desc"] }, order_by: { type: "string", enum: ["created_at", "updated_at"] } },
    answers: NOTE,
  },
  {
    operationId: "postApiV4ProjectsIdMergeRequestsNoteableIdNotes",
    method: "POST",
    path: "/projects/:id/merge_requests/:merge_request_iid/notes",
    docs: "notes",
    body: { body: { type: "string", required: true, maxLength: 1_000_000 }, internal: { type: "boolean" }, created_at: { type: "string" } },
    answers: NOTE,
  },
  {
    operationId: "putApiV4ProjectsIdMergeRequestsNoteableIdNotesNoteId",
    method: "PUT",
    path: "/projects/:id/merge_requests/:merge_request_iid/notes/:note_id",
    docs: "notes",
    body: { body: { type: "string", required: true, maxLength: 1_000_000 } },
    answers: NOTE,
  },
  { operationId: "getApiV4ProjectsIdRepositoryCommitsShaMergeRequests", method: "GET", path: "/projects/:id/repository/commits/:sha/merge_requests", docs: "commits", query: pagination, answers: MERGE_REQUEST },
  { operationId: "getApiV4ProjectsIdMergeRequestsMergeRequestIidApprovals", method: "GET", path: "/projects/:id/merge_requests/:merge_request_iid/approvals", docs: "merge_request_approvals", answers: ["id", "iid", "approved_by"] },
  { operationId: "getApiV4ProjectsIdMergeRequestsMergeRequestIidVersions", method: "GET", path: "/projects/:id/merge_requests/:merge_request_iid/versions", docs: "merge_requests", query: pagination, answers: ["id", "head_commit_sha", "base_commit_sha", "start_commit_sha", "created_at", "state"] },
  { operationId: "getApiV4ProjectsIdMergeRequestsMergeRequestIidPipelines", method: "GET", path: "/projects/:id/merge_requests/:merge_request_iid/pipelines", docs: "merge_requests", query: pagination, answers: ["id", "sha", "ref", "status", "source", "web_url"] },
  {
    operationId: "getApiV4ProjectsIdPipelinesPipelineIdJobs",
    method: "GET",
    path: "/projects/:id/pipelines/:pipeline_id/jobs",
    docs: "jobs",
    query: { ...pagination, "scope[]": { type: "string", enum: ["created", "pending", "running", "failed", "success", "canceled", "skipped", "waiting_for_resource", "manual"] }, include_retried: { type: "boolean" } },
    answers: ["id", "name", "status", "stage", "ref", "web_url", "pipeline"],
  },
  { operationId: "getApiV4ProjectsIdJobsJobIdArtifacts*ArtifactPath", method: "GET", path: "/projects/:id/jobs/:job_id/artifacts/*", docs: "job_artifacts", answers: [] },
];
