/**
 * kuttl test suites (kudobuilder/kuttl): which files of a repository are a test step's assertions rather than objects
 * to apply. A `kuttl.dev` TestSuite lists `testDirs`; each folder in one is a test case, whose files named
 * `<index>-<name>.yaml` (or files in a `<index>-<name>/` folder) make its steps. kuttl applies a step's files but
 * one whose name (after the index) is `assert` or `errors` (`01-assert.yaml`, `02-errors-pods.yaml`): that file holds
 * the fields an object must have, or must not, compared as a subset of the live object (kuttl's
 * pkg/test/step/step.go, populateObjectsByFileName and CheckResource). Such a file is no whole object and is never
 * applied, so neither "missing required field" nor a duplicate is about it.
 *
 * Written here: kuttl is a Go program; its file naming is a convention no JavaScript library reads.
 */
import { posix } from "node:path";
import { loadYamlStream } from "../yaml/load.js";
import { isObject, resolveFrom } from "./gitops/repo-index.js";

export const REASON_KUTTL_ASSERTION =
  "a kuttl test step's assert or errors file: the fields an object must (or must not) have, compared as a subset of the live object, never applied: not a whole manifest";

/** A step file right in a test case's folder: `<index>-<word>[-<more>].yaml`; the word says what the file is. */
const STEP_FILE = /^\d+-([^-.]+)(?:-[^.]+)?\.yaml$/;
/** A file in a step's folder (`01-setup/assert.yaml`): its index is the folder's, its own is optional. */
const STEP_FOLDER = /^\d+-[^.]+$/;
const IN_STEP_FOLDER = /^(?:\d+-)?([^-.]+)(?:-[^.]+)?\.yaml$/;
/** kuttl compares the word lower-cased. */
const ASSERTION_WORDS = new Set(["assert", "errors"]);

/**
 * Where a path would be a test step's assertion: the test folders its test case may be in (the parent of the case's
 * folder; a file in a step's folder names one level more). None if its name is no assertion's.
 */
function testDirsOfAssertion(path: string): string[] {
  const segments = path.split("/");
  const name = segments[segments.length - 1] ?? "";
  const dirs: string[] = [];
  const direct = STEP_FILE.exec(name);
  if (direct && ASSERTION_WORDS.has(direct[1]!.toLowerCase()) && segments.length >= 2) dirs.push(segments.slice(0, -2).join("/"));
  const nested = IN_STEP_FOLDER.exec(name);
  if (nested && STEP_FOLDER.test(segments[segments.length - 2] ?? "") && ASSERTION_WORDS.has(nested[1]!.toLowerCase()) && segments.length >= 3) dirs.push(segments.slice(0, -3).join("/"));
  return dirs;
}

/**
 * The test folders the repository's kuttl TestSuites name (`testDirs`, read from the folder of the suite's file, where
 * kuttl is run with it). Only files in a folder above an assertion-named file are read, and only those that mention
 * `kuttl.dev`, so that a repository without kuttl costs no reads.
 */
function suiteTestDirs(paths: readonly string[], candidates: Map<string, string[]>, read: (path: string) => string | undefined): Set<string> {
  const above = new Set<string>();
  for (const testDir of [...candidates.values()].flat()) {
    for (let dir = testDir; ; dir = posix.dirname(dir)) {
      above.add(dir === "." ? "" : dir);
      if (dir === "" || dir === ".") break;
    }
  }
  const testDirs = new Set<string>();
  for (const path of paths) {
    const dir = posix.dirname(path) === "." ? "" : posix.dirname(path);
    if (!above.has(dir) || !/\.ya?ml$/i.test(path)) continue;
    const text = read(path);
    if (!text?.includes("kuttl.dev/")) continue;
    for (const document of loadYamlStream(text, { schema: "kubernetes", uniqueKeys: false })) {
      const suite = document.data;
      if (!isObject(suite) || suite.kind !== "TestSuite" || typeof suite.apiVersion !== "string" || !suite.apiVersion.startsWith("kuttl.dev/")) continue;
      for (const entry of Array.isArray(suite.testDirs) ? suite.testDirs : []) {
        const resolved = typeof entry === "string" ? resolveFrom(dir, entry) : undefined;
        if (resolved !== undefined) testDirs.add(resolved === "." ? "" : resolved);
      }
    }
  }
  return testDirs;
}

/** The files (repository paths) that are assertions of a kuttl test step in a test folder a TestSuite names. */
export function kuttlAssertionFiles(paths: readonly string[], read: (path: string) => string | undefined): Set<string> {
  const candidates = new Map<string, string[]>();
  for (const path of paths) {
    const dirs = testDirsOfAssertion(path);
    if (dirs.length > 0) candidates.set(path, dirs);
  }
  if (candidates.size === 0) return new Set();
  const testDirs = suiteTestDirs(paths, candidates, read);
  return new Set([...candidates].filter(([, dirs]) => dirs.some((dir) => testDirs.has(dir))).map(([path]) => path));
}
