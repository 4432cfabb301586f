/**
 * Blueprint versions move with their templates. Each blueprint keeps, beside blueprint.yaml:
 * - `versions.json`: every version it has had, with the content digest of what it rendered from (its templates,
 *   schemas and blueprint.yaml, see {@link blueprintSources}) and the tool release that ships it; the newest entry
 *   also has a digest per file, so a changed file can be named. `npm run blueprints:record` writes it, and
 *   test/blueprint-versions.test.ts fails when the sources change without a new version recorded.
 * - `CHANGELOG.md`: a `## <version>` section per version saying what it changed in the repositories it renders;
 *   `plan` and the pull request of an upgrade quote the sections between the recorded version and this one.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDirectory, listFilesRecursive, packageRoot } from "../_utils.js";
import { parse as parseYaml } from "yaml";
import { FORGE_TEMPLATE_SETS, GITOPS_TEMPLATE_SETS, templateSetsOf } from "./load.js";
import type { BlueprintManifest } from "./types.js";

export interface VersionEntry {
  /** The create-cluster-repo release that ships this version (the one being prepared while it is package.json's). */
  tool: string;
  /** `sha256:<hex>` over the blueprint's sources, see {@link blueprintDigest}. */
  digest: string;
  /** The newest version only: source path -> short digest of its content, to name what changed since. */
  files?: Record<string, string>;
}

export type VersionRecord = Record<string, VersionEntry>;

/** What `npm run blueprints:record` writes in a new changelog section; the test refuses a section that still says it. */
export const CHANGELOG_PLACEHOLDER = "(describe what this version changes in the repositories it renders)";

export const versionRecordPath = (id: string) => `blueprints/${id}/versions.json`;
export const changelogPath = (id: string) => `blueprints/${id}/CHANGELOG.md`;

/**
 * Every file a blueprint renders from, as paths relative to `root`: its blueprint.yaml, schema and migrations, the
 * common schema, and every template set it uses (common, its cloud module, its packs, its helm values, both GitOps
 * sets and every forge's). The record and the changelog are not sources. A change to any of these is a change to what
 * the blueprint renders. (The add-on catalog has a version of its own: src/catalog/versions.ts.)
 */
export function blueprintSources(id: string, root: string = packageRoot): string[] {
  const files = [`blueprints/${id}/blueprint.yaml`, `blueprints/${id}/params.schema.json`, "blueprints/_common/params.schema.json"];
  if (existsSync(join(root, "blueprints", id, "migrations.yaml"))) files.push(`blueprints/${id}/migrations.yaml`);
  const manifest = parseYaml(readFileSync(join(root, "blueprints", id, "blueprint.yaml"), "utf8")) as BlueprintManifest;
  for (const set of [...templateSetsOf(manifest), `helm/${id}`, ...GITOPS_TEMPLATE_SETS, ...FORGE_TEMPLATE_SETS]) {
    const dir = join(root, "templates", set);
    if (isDirectory(dir)) files.push(...listFilesRecursive(dir).map((path) => `templates/${set}/${path}`));
  }
  return files.sort();
}

/** blueprint.yaml without its `version:` line: the version names the content, it is not part of it. */
const withoutVersion = (path: string, text: string) => (path.endsWith("/blueprint.yaml") ? text.replace(/^version:.*\n?/m, "") : text);

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The digest of a blueprint's sources and a short digest per file. Deterministic: sorted paths, contents as bytes. */
export function blueprintDigest(id: string, root: string = packageRoot): { digest: string; files: Record<string, string> } {
  const files: Record<string, string> = {};
  const total = createHash("sha256");
  for (const path of blueprintSources(id, root)) {
    const fileDigest = sha256(withoutVersion(path, readFileSync(join(root, path), "utf8")));
    files[path] = fileDigest.slice(0, 16);
    total.update(`${path}\0${fileDigest}\n`);
  }
  return { digest: `sha256:${total.digest("hex")}`, files };
}

export function readVersionRecord(id: string, root: string = packageRoot): VersionRecord {
  const file = join(root, versionRecordPath(id));
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { versions: VersionRecord }).versions : {};
}

const parts = (version: string) => version.split(/[.+-]/).slice(0, 3).map((part) => Number.parseInt(part, 10) || 0);

/** `a` sorts after `b` (major, minor, patch; pre-release and build suffixes are ignored). */
export function isNewerVersion(a: string, b: string): boolean {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return false;
}

export const compareVersions = (a: string, b: string) => (isNewerVersion(a, b) ? 1 : isNewerVersion(b, a) ? -1 : 0);

/** The changelog's sections by version (`## 1.1.0 ...` up to the next `## `), text without the heading. */
export function changelogSections(id: string, root: string = packageRoot): Map<string, string> {
  const file = join(root, changelogPath(id));
  const sections = new Map<string, string>();
  if (!existsSync(file)) return sections;
  const text = readFileSync(file, "utf8");
  const headings = [...text.matchAll(/^## (\d+\.\d+\.\d+)\b.*$/gm)];
  headings.forEach((heading, i) => {
    const end = headings[i + 1]?.index ?? text.length;
    sections.set(heading[1]!, text.slice(heading.index! + heading[0].length, end).trim());
  });
  return sections;
}

/** What the versions after `from`, up to and including `to`, changed: newest first, as the changelog says. */
export function changesBetween(id: string, from: string, to: string, root: string = packageRoot): Array<{ version: string; text: string }> {
  return [...changelogSections(id, root)]
    .filter(([version]) => isNewerVersion(version, from) && !isNewerVersion(version, to))
    .sort(([a], [b]) => compareVersions(b, a))
    .map(([version, text]) => ({ version, text }));
}
