/**
 * The hand-written real-world corpus (test/fixtures/real-world/<case>/) as tests change it: a private copy of a case,
 * and an edit that says on which line it landed.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "./cli.js";
import { fixturesDir } from "./fixtures.js";

export const realWorldCorpus = join(fixturesDir, "real-world");

/** A copy of a corpus case that a test may change, in a temp folder named by `prefix`. */
export function copyOfCase(name: string, prefix: string): string {
  const dir = join(tempDir(prefix), name);
  cpSync(join(realWorldCorpus, name), dir, { recursive: true });
  return dir;
}

/**
 * Replaces `from` (which must be there; with `exactlyOnce`, once only) in a file of `dir`; returns the 1-based line
 * of the change.
 */
export function editCase(dir: string, file: string, from: string, to: string, exactlyOnce = false): number {
  const text = readFileSync(join(dir, file), "utf8");
  const at = text.indexOf(from);
  if (at < 0) throw new Error(`"${from}" not in ${file}`);
  if (exactlyOnce && text.indexOf(from, at + 1) >= 0) throw new Error(`"${from}" is not in ${file} exactly once`);
  writeFileSync(join(dir, file), text.slice(0, at) + to + text.slice(at + from.length));
  return text.slice(0, at).split("\n").length;
}

/**
 * `validate -o json <args> .` in `dir` through the CLI's own entry, with no pull-request base (GITHUB_BASE_REF empty);
 * the report is `R`, the shape a test reads. No JSON on stdout is an error that shows what was printed instead.
 */
export async function validateJson<R>(dir: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; report: R; stderr: string }> {
  const run = await runCli(["validate", "-o", "json", ...args, "."], { cwd: dir, env: { GITHUB_BASE_REF: "", ...env } });
  try {
    return { status: run.status, report: JSON.parse(run.stdout) as R, stderr: run.stderr };
  } catch {
    throw new Error(`validate printed no JSON report (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
}

/** The 1-based line of the first line of a case's `file` that is `text` (0 when there is none). */
export const lineOfText = (dir: string, file: string, text: string): number => readFileSync(join(dir, file), "utf8").split("\n").indexOf(text) + 1;

/** The part of validate's JSON report the corpus tests read. */
export interface CorpusReport {
  valid: boolean;
  problems: { file: string; line?: number; column?: number; resource?: string; rule: string; message: string; severity: string }[];
}

/** A report's errors as [rule, file, line] rows, in report order: what a corpus test compares. */
export const errorRows = (report: CorpusReport) => report.problems.filter((problem) => problem.severity === "error").map((problem) => [problem.rule, problem.file, problem.line]);
