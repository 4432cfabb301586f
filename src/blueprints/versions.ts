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

/**
 * Something versioned by the digest of its sources: a blueprint, or the add-on catalog (issue #24), each with a
 * folder holding `versions.json` and `CHANGELOG.md`, and a manifest whose `version:` line names the content.
 */
export interface VersionedUnit {
  /** How messages name it: "blueprints/kapsule-gpu", "addons". */
  dir: string;
  /** The file with the `version: x.y.z` line. */
  manifest: string;
  sources: (root: string) => string[];
}

export const blueprintUnit = (id: string): VersionedUnit => ({ dir: `blueprints/${id}`, manifest: `blueprints/${id}/blueprint.yaml`, sources: (root) => blueprintSources(id, root) });

/** Every file of addons/ but the record and the changelog: a change to any of them is a new catalog version. */
export function catalogSources(root: string = packageRoot): string[] {
  const dir = join(root, "addons");
  if (!isDirectory(dir)) return [];
  return listFilesRecursive(dir)
    .filter((path) => path !== "versions.json" && path !== "CHANGELOG.md")
    .map((path) => `addons/${path}`)
    .sort();
}

export const catalogUnit: VersionedUnit = { dir: "addons", manifest: "addons/catalog.yaml", sources: catalogSources };

export const unitRecordPath = (unit: VersionedUnit) => `${unit.dir}/versions.json`;
export const unitChangelogPath = (unit: VersionedUnit) => `${unit.dir}/CHANGELOG.md`;
export const versionRecordPath = (id: string) => unitRecordPath(blueprintUnit(id));
export const changelogPath = (id: string) => unitChangelogPath(blueprintUnit(id));

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

/** The manifest without its `version:` line: the version names the content, it is not part of it. */
const withoutVersion = (unit: VersionedUnit, path: string, text: string) => (path === unit.manifest ? text.replace(/^version:.*\n?/m, "") : text);

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The digest of a blueprint's sources and a short digest per file. Deterministic: sorted paths, contents as bytes. */
export function blueprintDigest(id: string, root: string = packageRoot): { digest: string; files: Record<string, string> } {
  return unitDigest(blueprintUnit(id), root);
}

/** The digest of a unit's sources and a short digest per file. */
export function unitDigest(unit: VersionedUnit, root: string = packageRoot): { digest: string; files: Record<string, string> } {
  const files: Record<string, string> = {};
  const total = createHash("sha256");
  for (const path of unit.sources(root)) {
    const fileDigest = sha256(withoutVersion(unit, path, readFileSync(join(root, path), "utf8")));
    files[path] = fileDigest.slice(0, 16);
    total.update(`${path}\0${fileDigest}\n`);
  }
  return { digest: `sha256:${total.digest("hex")}`, files };
}

export function readVersionRecord(id: string, root: string = packageRoot): VersionRecord {
  return readUnitRecord(blueprintUnit(id), root);
}

export function readUnitRecord(unit: VersionedUnit, root: string = packageRoot): VersionRecord {
  const file = join(root, unitRecordPath(unit));
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
  return unitChangelogSections(blueprintUnit(id), root);
}

export function unitChangelogSections(unit: VersionedUnit, root: string = packageRoot): Map<string, string> {
  const file = join(root, unitChangelogPath(unit));
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
  return unitChangesBetween(blueprintUnit(id), from, to, root);
}

export function unitChangesBetween(unit: VersionedUnit, from: string, to: string, root: string = packageRoot): Array<{ version: string; text: string }> {
  return [...unitChangelogSections(unit, root)]
    .filter(([version]) => isNewerVersion(version, from) && !isNewerVersion(version, to))
    .sort(([a], [b]) => compareVersions(b, a))
    .map(([version, text]) => ({ version, text }));
}
