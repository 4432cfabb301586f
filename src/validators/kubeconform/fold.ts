/**
 * Folds kubeconform's `-output json` report into this tool's results, so that `--engine kubeconform` gives the same
 * report, formats and exit codes as the embedded engine. The shape is kubeconform's pkg/output/json.go:
 * `{ resources: [{ filename, kind, name, version, status, msg, validationErrors?: [{ path, msg }] }], summary? }`,
 * where `path` is the instance location as `/spec/replicas` and `status` one of statusValid, statusInvalid,
 * statusError, statusSkipped, or "" for an empty document (json.go at v0.6.7 and v0.7.0 has no string for
 * `validator.Empty`). Valid, skipped and empty documents are listed only with `-verbose`.
 */
import { LineLocator, parseDocuments } from "../kubernetes/documents.js";
import type { Problem, ResourceIdentity, Status, UnitResult } from "../types.js";

export interface KubeconformResource {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: string;
  msg: string;
  validationErrors?: { path: string; msg: string }[];
}

export interface KubeconformOutput {
  resources: KubeconformResource[];
  summary?: { valid: number; invalid: number; errors: number; skipped: number };
}

/** Reads a validated file again to find lines; undefined when it cannot be read (stdin, gone). */
export type FileReader = (file: string) => string | undefined;

/** The status kubeconform's JSON output gives an empty document: none (pkg/output/json.go leaves it ""). */
const EMPTY = "";
const STATUSES: Record<string, Status> = { statusValid: "valid", statusInvalid: "invalid", statusError: "error", statusSkipped: "skipped" };

/** Parses and checks kubeconform's JSON; throws with a clear message on anything else. */
export function parseKubeconformOutput(text: string): KubeconformOutput {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`kubeconform did not print JSON (${(error as Error).message}): ${text.slice(0, 200)}`);
  }
  const resources = (data as { resources?: unknown }).resources;
  if (typeof data !== "object" || data === null || !Array.isArray(resources)) {
    throw new Error(`kubeconform's JSON has no "resources" list: ${text.slice(0, 200)}`);
  }
  return data as KubeconformOutput;
}

/**
 * One result per resource kubeconform listed, with problems that name the line of the offending field (found by
 * matching the resource to its document by apiVersion, kind and name). Counts that kubeconform summarised without
 * listing (no `-verbose`) become results without a file, so that the summary still adds up.
 */
export function foldKubeconformOutput(output: KubeconformOutput, read: FileReader = () => undefined): UnitResult[] {
  const documents = new DocumentFinder(read);
  // An empty document (nothing but comments, or before a leading ---) is listed with status "" under -verbose: no
  // resource, and no summary counts it.
  const results = output.resources.filter((resource) => resource.status !== EMPTY).map((resource) => foldResource(resource, documents));
  if (output.summary) {
    const listed = { valid: 0, invalid: 0, error: 0, skipped: 0 };
    for (const result of results) listed[result.status]++;
    const unlisted: [Status, number][] = [
      ["valid", output.summary.valid - listed.valid],
      ["skipped", output.summary.skipped - listed.skipped],
    ];
    for (const [status, count] of unlisted) {
      for (let i = 0; i < count; i++) results.push({ file: "(not listed by kubeconform)", validator: "kubernetes", status, problems: [] });
    }
  }
  return results;
}

function foldResource(resource: KubeconformResource, documents: DocumentFinder): UnitResult {
  const file = resource.filename.replace(/\\/g, "/");
  const status = STATUSES[resource.status] ?? "error";
  const identity: ResourceIdentity = {};
  if (resource.version) identity.apiVersion = resource.version;
  if (resource.kind) identity.kind = resource.kind;
  if (resource.name) identity.name = resource.name;
  const label = resource.kind ? `${resource.kind} ${resource.name || "(unnamed)"}` : undefined;
  const rule = status === "error" ? errorRule(resource.msg) : undefined;
  // A document kubeconform cannot read as YAML has no identity to match: the file's next broken document is it, and
  // the line is where this tool's own reading finds the repeated key or the syntax error.
  const located =
    rule === "k8s-duplicate-key" || rule === "k8s-yaml-syntax" ? documents.findBroken(file, rule) ?? documents.find(file, resource) : status === "invalid" || status === "error" ? documents.find(file, resource) : undefined;
  const result: UnitResult = { file, validator: "kubernetes", status, problems: [] };
  if (located?.line !== undefined) result.line = located.line;
  if (Object.keys(identity).length > 0) result.resource = identity;
  if (label) result.label = label;

  const problem = (rule: string, message: string, at?: (string | number)[], path?: string): Problem => {
    const p: Problem = { file, rule, message, severity: "error" };
    const line = at && located ? located.locator.fieldLine(located.index, at) : located?.line;
    if (line !== undefined) p.line = line;
    if (label) p.resource = label;
    if (path) p.path = path;
    return p;
  };
  if (status === "invalid") {
    const errors = resource.validationErrors ?? [];
    for (const error of errors) {
      const at = pointerSegments(error.path);
      const unknown = /^additional propert(?:y|ies) '([^']+)'/.exec(error.msg)?.[1];
      const dotted = dottedPath(at) || "(root)";
      result.problems.push(
        unknown !== undefined
          ? problem("k8s-unknown-field", `${dotted}: unknown field ${JSON.stringify(unknown)}`, [...at, unknown], dotted)
          : problem("k8s-schema", `${dotted}: ${error.msg}`, at, dotted),
      );
    }
    if (errors.length === 0) result.problems.push(problem("k8s-schema", resource.msg || "invalid"));
  } else if (status === "error") {
    result.problems.push(problem(rule ?? "kubeconform-error", resource.msg || "kubeconform reported an error"));
  }
  return result;
}

/** Rule ids of the embedded engine for kubeconform's error messages, so that both engines' reports compare. */
function errorRule(message: string): string {
  if (/could not find schema/.test(message)) return "k8s-missing-schema";
  if (/missing 'kind'/.test(message)) return "k8s-missing-kind";
  if (/missing 'apiVersion'/.test(message)) return "k8s-missing-apiversion";
  if (/already (?:defined|set)|duplicate/i.test(message)) return "k8s-duplicate-key";
  if (/unmarshal|yaml/i.test(message)) return "k8s-yaml-syntax";
  return "kubeconform-error";
}

/** `/spec/containers/0/image` -> ["spec", "containers", 0, "image"] (JSON pointer escapes undone). */
function pointerSegments(pointer: string): (string | number)[] {
  return pointer
    .split("/")
    .slice(1)
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((segment) => (/^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment));
}

function dottedPath(at: (string | number)[]): string {
  return at.map((key) => (typeof key === "number" ? `[${key}]` : `.${key}`)).join("").replace(/^\./, "");
}

interface Located {
  locator: LineLocator;
  index: number;
  line: number | undefined;
}

/**
 * Finds the document of a resource kubeconform names (it gives no document index): the first not yet matched
 * document of the file with the same apiVersion, kind and name. Only files with a problem are read.
 */
class DocumentFinder {
  private readonly files = new Map<string, { locator: LineLocator; documents: { index: number; key: string; failure?: { rule: string; line?: number } }[]; used: Set<number> } | undefined>();

  constructor(private readonly read: FileReader) {}

  private entry(file: string) {
    if (!this.files.has(file)) this.files.set(file, this.load(file));
    return this.files.get(file);
  }

  /** The first not yet matched document of the file that this tool also cannot read (for `rule`), at its failure's line. */
  findBroken(file: string, rule: string): Located | undefined {
    const entry = this.entry(file);
    if (!entry) return undefined;
    const match = entry.documents.find((document) => document.failure && !entry.used.has(document.index) && (document.failure.rule === rule || rule === "k8s-yaml-syntax"));
    if (!match) return undefined;
    entry.used.add(match.index);
    return { locator: entry.locator, index: match.index, line: match.failure?.line ?? entry.locator.documentLine(match.index) };
  }

  find(file: string, resource: KubeconformResource): Located | undefined {
    const entry = this.entry(file);
    if (!entry) return undefined;
    const key = `${resource.version}\u0000${resource.kind}\u0000${resource.name}`;
    const match = entry.documents.find((document) => document.key === key && !entry.used.has(document.index));
    if (!match) return undefined;
    entry.used.add(match.index);
    return { locator: entry.locator, index: match.index, line: entry.locator.documentLine(match.index) };
  }

  private load(file: string) {
    const content = this.read(file);
    if (content === undefined) return undefined;
    // Strict reading: a repeated key is a failure with its line, as kubeconform (go-yaml) rejects it.
    const documents = parseDocuments(content, true).map((document) => {
      const data = (document.data ?? {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
      const text = (value: unknown) => (typeof value === "string" ? value : "");
      const key = `${text(data.apiVersion)}\u0000${text(data.kind)}\u0000${text(data.metadata?.name)}`;
      return document.failure ? { index: document.index, key, failure: { rule: document.failure.rule, line: document.failure.line } } : { index: document.index, key };
    });
    return { locator: new LineLocator(content), documents, used: new Set<number>() };
  }
}
