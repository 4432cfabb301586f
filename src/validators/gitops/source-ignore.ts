/**
 * What source-controller leaves out of a Git source's artifact beyond its default exclusions: the rules of the
 * repository's `.sourceignore` files (each for its own folder, the root's first), then the GitRepository's
 * `spec.ignore`, a later rule winning (source-controller gitrepository_controller: `sourceignore.LoadIgnorePatterns`,
 * then `spec.ignore` appended).
 *
 * Written here rather than with the `ignore` package: Flux matches with go-git's gitignore (plumbing/format/gitignore),
 * which differs from Git's where it matters to GitOps repositories: a rule is tried on the whole path, last rule first,
 * so `/*` then `!/config/crd` keeps `config/crd/a.yaml` (Git, and `ignore`, cannot re-include below an excluded
 * folder). Each path segment is matched as Go's `filepath.Match` does, on RE2 (the rules are the repository's text).
 */
import { re2FullMatch } from "../kubernetes/regexp.js";

interface Rule {
  /** The folder (path segments) of the file the rule is in. */
  domain: string[];
  include: boolean;
  dirOnly: boolean;
  /** Has a slash: matched from the domain on, segment by segment (`**` for any number); else against any segment. */
  glob: boolean;
  segments: string[];
}

export interface SourceIgnore {
  /** Whether the artifact leaves out the file at `path` (POSIX, relative to the repository root). */
  excludes(path: string): boolean;
}

/** The rules of one file's text (`.sourceignore` or `spec.ignore`), for the folder `dir` ("" for the root). */
function parseRules(text: string, dir: string): Rule[] {
  const domain = dir === "" ? [] : dir.split("/");
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith("#") || raw.trim() === "") continue;
    let pattern = raw;
    const include = pattern.startsWith("!");
    if (include) pattern = pattern.slice(1);
    if (!pattern.endsWith("\\ ")) pattern = pattern.replace(/ +$/, "");
    const dirOnly = pattern.endsWith("/");
    if (dirOnly) pattern = pattern.slice(0, -1);
    rules.push({ domain, include, dirOnly, glob: pattern.includes("/"), segments: pattern.split("/") });
  }
  return rules;
}

/** Go's `filepath.Match` on one segment (`*`, `?`, `[...]`, `\` escapes), as an RE2 full match; bad syntax matches nothing. */
const segmentMatchers = new Map<string, ((name: string) => boolean) | undefined>();
function matchSegment(pattern: string, name: string): boolean {
  if (!/[*?[\\]/.test(pattern)) return pattern === name;
  if (!segmentMatchers.has(pattern)) {
    let source = "";
    for (let i = 0; i < pattern.length; i++) {
      const char = pattern[i]!;
      if (char === "*") source += "[^/]*";
      else if (char === "?") source += "[^/]";
      else if (char === "\\" && i + 1 < pattern.length) source += `\\${pattern[++i]}`.replace(/^\\([A-Za-z0-9])$/, "$1");
      else if (char === "[") {
        const end = pattern.indexOf("]", i + 2);
        if (end < 0) {
          source = "";
          break;
        }
        let body = pattern.slice(i + 1, end);
        if (body.startsWith("^")) body = `^${body.slice(1)}`;
        else if (body.startsWith("!")) body = `^${body.slice(1)}`;
        source += `[${body.replace(/\\(?![-\]\\^])/g, "\\\\")}]`;
        i = end;
      } else source += char.replace(/[.+()|{}$^]/g, "\\$&");
    }
    segmentMatchers.set(pattern, source === "" ? undefined : re2FullMatch(source));
  }
  return segmentMatchers.get(pattern)?.(name) ?? false;
}

/** go-git's pattern.Match: undefined when the rule says nothing of the path, else whether it includes it. */
function ruleMatches(rule: Rule, path: string[], isDir: boolean): boolean {
  if (path.length <= rule.domain.length || rule.domain.some((segment, i) => path[i] !== segment)) return false;
  const rest = path.slice(rule.domain.length);
  if (!rule.glob) {
    for (const [i, name] of rest.entries()) {
      if (!matchSegment(rule.segments[0]!, name)) continue;
      return !(rule.dirOnly && !isDir && i === rest.length - 1);
    }
    return false;
  }
  let remaining = rest;
  let matched = false;
  let traverse = false;
  for (const [i, pattern] of rule.segments.entries()) {
    if (pattern === "") {
      traverse = false;
      continue;
    }
    if (pattern === "**") {
      if (i === rule.segments.length - 1) break;
      traverse = true;
      continue;
    }
    if (pattern.includes("**")) return false;
    if (remaining.length === 0) return false;
    if (traverse) {
      traverse = false;
      while (remaining.length > 0) {
        const [name, ...others] = remaining as [string, ...string[]];
        remaining = others;
        if (matchSegment(pattern, name)) {
          matched = true;
          break;
        }
        if (remaining.length === 0) matched = false;
      }
    } else {
      if (!matchSegment(pattern, remaining[0]!)) return false;
      matched = true;
      remaining = remaining.slice(1);
    }
  }
  if (matched && rule.dirOnly && !isDir && remaining.length === 0) return false;
  return matched;
}

/**
 * The exclusions of a Git source of this repository: `.sourceignore` files (`read` gives their text) and the
 * source's `spec.ignore`. Undefined when there are none.
 */
export function sourceIgnore(files: Iterable<string>, read: (file: string) => string | undefined, specIgnore: string | undefined): SourceIgnore | undefined {
  const ignoreFiles = [...files].filter((file) => file === ".sourceignore" || file.endsWith("/.sourceignore"));
  // go-git reads the root's file, then the folders' below it, parents first.
  ignoreFiles.sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : a > b ? 1 : 0));
  const rules = ignoreFiles.flatMap((file) => parseRules(read(file) ?? "", file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : ""));
  if (specIgnore !== undefined) rules.push(...parseRules(specIgnore, ""));
  if (rules.length === 0) return undefined;
  return {
    excludes(path) {
      const segments = path.split("/");
      for (let i = rules.length - 1; i >= 0; i--) {
        const rule = rules[i]!;
        if (ruleMatches(rule, segments, false)) return !rule.include;
      }
      return false;
    },
  };
}
