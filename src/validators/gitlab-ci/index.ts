/**
 * The GitLab CI rule family of `validate`: the repository's `.gitlab-ci.yml` against GitLab's own CI/CD configuration
 * schema (schemas/gitlab-ci/ci.json, derived by scripts/derive-gitlab-ci-schema.mjs from gitlab-org/gitlab's
 * app/assets/javascripts/editor/schema/ci.json, which GitLab's pipeline editor checks files with). The schema is the
 * package's own, compiled once per process; the file is data (YAML, GitLab's `!reference` tag read as a list) and
 * nothing in it runs.
 */
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { packageRoot } from "../../_utils.js";
import type { Problem, UnitResult } from "../types.js";
import { isGitLabCiPath } from "./path.js";

export { isGitLabCiPath };

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(join(packageRoot, "schemas", "gitlab-ci", "ci.json"), "utf8"));
  // draft-07 as the schema declares; its patterns are written for JavaScript without the u flag (the editor's).
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, unicodeRegExp: false });
  (addFormatsModule as unknown as (ajv: Ajv) => Ajv)(ajv);
  compiled = ajv.compile(schema);
  return compiled;
}

/** GitLab's `!reference [job, key]`: a list to the schema (whose `!reference` definition is an array of strings). */
const referenceTag = { tag: "!reference", collection: "seq" as const, resolve: (value: unknown) => value };

/** The node at a JSON pointer of the document, for a line number; with `key`, the last step's key instead of its value. */
function nodeAt(root: Node | null, pointer: string, key = false): Node | null {
  let node = root;
  const steps = pointer.split("/").slice(1);
  for (const [index, raw] of steps.entries()) {
    const name = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (isMap(node)) {
      const pair = node.items.find((item) => String((item.key as { value?: unknown } | null)?.value ?? item.key) === name);
      const last = key && index === steps.length - 1;
      node = ((last ? pair?.key : pair?.value) as Node | null) ?? (pair?.key as Node | null) ?? node;
    } else if (isSeq(node)) {
      node = (node.items[Number(name)] as Node | null) ?? node;
    } else break;
  }
  return node;
}

/**
 * The errors worth reading: anyOf/oneOf report every branch that failed; keep the deepest, most specific ones
 * (GitLab's own editor shows the same), one per place.
 */
function significant(errors: ErrorObject[]): ErrorObject[] {
  const deepest = new Map<string, ErrorObject>();
  for (const error of errors) {
    if (["anyOf", "oneOf", "if"].includes(error.keyword)) continue;
    const key = `${error.instancePath} ${error.keyword} ${JSON.stringify(error.params)}`;
    if (!deepest.has(key)) deepest.set(key, error);
  }
  const list = [...deepest.values()];
  // An error under another's path says more than the outer one.
  const kept = list.filter((error) => !list.some((other) => other !== error && other.instancePath.startsWith(`${error.instancePath}/`)));
  return (kept.length > 0 ? kept : errors).slice(0, 20);
}

function describe(error: ErrorObject): string {
  const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, ".") : "(top level)";
  if (error.keyword === "additionalProperties") return `${where}: unknown key ${JSON.stringify((error.params as { additionalProperty: string }).additionalProperty)}`;
  if (error.keyword === "enum") return `${where}: must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  return `${where}: ${error.message ?? error.keyword}`;
}

/** Checks one `.gitlab-ci.yml`; a unit of its own, `invalid` with a problem per schema error (rule gitlab-ci-schema). */
export function validateGitLabCi(file: string, content: string): UnitResult {
  const unit = (status: UnitResult["status"], problems: Problem[]): UnitResult => ({ file, line: 1, validator: "gitlab-ci", status, label: `GitLab CI ${file}`, problems });
  const lineCounter = new LineCounter();
  // merge: GitLab reads YAML merge keys (`<<: *anchor`), as its documentation shows for reusing configuration.
  const document = parseDocument(content, { customTags: [referenceTag], lineCounter, uniqueKeys: true, prettyErrors: false, merge: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    return unit("invalid", [{ file, line: lineCounter.linePos(first.pos[0]).line, rule: "gitlab-ci-yaml", message: `not valid YAML: ${first.message.split("\n")[0]}`, severity: "error" }]);
  }
  const data = document.toJS({ maxAliasCount: 1000 }) as unknown;
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return unit("invalid", [{ file, line: 1, rule: "gitlab-ci-schema", message: "must be a mapping of keywords and jobs", severity: "error" }]);
  }
  const validate = validator();
  if (validate(data)) return unit("valid", []);
  const problems = significant(validate.errors ?? []).map((error): Problem => {
    const extra = error.keyword === "additionalProperties" ? `/${String((error.params as { additionalProperty: string }).additionalProperty).replace(/~/g, "~0").replace(/\//g, "~1")}` : "";
    const node = nodeAt(document.contents, `${error.instancePath}${extra}`, extra !== "");
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : 1;
    return { file, line, rule: "gitlab-ci-schema", message: describe(error), severity: "error" };
  });
  return unit("invalid", problems);
}

/**
 * The `include:` entries of a CI file that name a file of the repository (`local:`, or a plain path) which is not
 * there: GitLab refuses such a pipeline ("Local file ... does not exist!"). Entries with `rules:` (included only
 * when they match), wildcards or variables are not judged: which file they name is known only in a pipeline.
 * The included files are not validated on their own: GitLab merges a job across files, so a fragment may leave out
 * what another file gives.
 */
function missingLocalIncludes(file: string, content: string, exists: (path: string) => boolean): Problem[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(content, { customTags: [referenceTag], lineCounter, uniqueKeys: false, prettyErrors: false });
  if (document.errors.length > 0 || !isMap(document.contents)) return [];
  const include = document.contents.get("include", true) as Node | null | undefined;
  const entries = isSeq(include) ? include.items : include ? [include] : [];
  const problems: Problem[] = [];
  for (const entry of entries) {
    let node: unknown = entry;
    if (isMap(entry)) {
      if (entry.has("rules")) continue;
      node = entry.get("local", true);
    }
    if (!isScalar(node) || typeof node.value !== "string") continue;
    const written = node.value;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(written) || /[*$]/.test(written)) continue;
    const path = posix.normalize(written.replace(/^\/+/, ""));
    if (path.startsWith("../") || path === ".." || exists(path)) continue;
    const line = node.range ? lineCounter.linePos(node.range[0]).line : 1;
    problems.push({ file, line, rule: "gitlab-ci-include", message: `include: local file ${JSON.stringify(written)} does not exist in the repository; GitLab refuses the pipeline ("Local file ... does not exist!"): fix the path, or add the file`, severity: "error" });
  }
  return problems;
}

/** The repository's GitLab CI files: each valid, invalid, or an error saying it could not be read. */
export function validateRepositoryGitLabCi(paths: readonly string[], read: (file: string) => string | undefined): UnitResult[] {
  return paths.filter(isGitLabCiPath).map((path) => {
    const content = read(path);
    if (content === undefined) {
      return { file: path, validator: "gitlab-ci", status: "error", label: `GitLab CI ${path}`, problems: [{ file: path, rule: "gitlab-ci-read-error", message: `cannot read ${path}: fix its permissions or exclude it with --ignore-filename-pattern`, severity: "error" }] };
    }
    const unit = validateGitLabCi(path, content);
    // Read, not looked up among `paths`: a file left out with --ignore-filename-pattern is still in the repository.
    const missing = missingLocalIncludes(path, content, (file) => read(file) !== undefined);
    if (missing.length === 0) return unit;
    return { ...unit, status: unit.status === "valid" ? "invalid" : unit.status, problems: [...unit.problems, ...missing].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)) };
  });
}
