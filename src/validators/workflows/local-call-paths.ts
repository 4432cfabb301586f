/**
 * Where a workflow's local `uses: ./...` lead, from its text alone (no YAML library: validate loads this with the
 * workflow checks, before it knows whether any workflow calls anything).
 */
import { posix } from "node:path";

/** The repository path a local `uses:` names (`./.github/workflows/x.yml` -> `.github/workflows/x.yml`), if it is one. */
export function localCallPath(uses: string): string | undefined {
  if (!uses.startsWith("./") || uses.includes("@") || uses.includes("${{")) return undefined;
  return posix.normalize(uses.slice(2));
}

/** A path that leaves the repository (`./../x.yml`) is never read. */
export const outside = (path: string) => path === ".." || path.startsWith("../") || posix.isAbsolute(path);

/** `uses: ./...` in block or flow style (`- { uses: ./x }`). */
const LOCAL_USES = /(?:^|[\s{,-])uses:\s*["']?(\.\/[^\s"'#,}\]]*)/gm;

/** Whether a workflow's text has a `uses: ./...` at all (most have none: they are not parsed again). */
export const callsLocally = (content: string): boolean => /(?:^|[\s{,-])uses:\s*["']?\.\//m.test(content);

/**
 * The repository paths a workflow's local `uses:` may read, from its text: a reusable workflow's file, or an action
 * folder's `action.yaml` and `action.yml`. A superset is harmless (what no call reads is never looked at).
 */
export function calledFilePaths(content: string): string[] {
  const paths = new Set<string>();
  for (const match of content.matchAll(LOCAL_USES)) {
    const path = localCallPath(match[1]!);
    if (path === undefined || outside(path)) continue;
    if (/\.ya?ml$/.test(path)) paths.add(path);
    else for (const name of ["action.yaml", "action.yml"]) paths.add(posix.join(path, name));
  }
  return [...paths];
}
