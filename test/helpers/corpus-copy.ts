/**
 * The hand-written real-world corpus (test/fixtures/real-world/<case>/) as tests change it: a private copy of a case,
 * and an edit that says on which line it landed.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./cli.js";
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
