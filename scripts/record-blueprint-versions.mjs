#!/usr/bin/env node
// `npm run blueprints:record [-- --bump patch|minor|major]`: records the content digest of every blueprint under its
// version in blueprints/<id>/versions.json, and of the add-on catalog in addons/versions.json (see
// src/blueprints/versions.ts), so that a template change cannot ship without a version that says so. For each
// blueprint (and the catalog) whose sources changed since its version was recorded:
// - a version not recorded yet (bumped by hand in blueprint.yaml) is recorded;
// - a version of the release being prepared (its entry names package.json's version: not published yet) is recorded
//   again with the new content, so changes merged before a release share its one new version;
// - a version of an earlier release is left as it shipped: the blueprint gets the next version (minor by default),
//   written into blueprint.yaml, with a CHANGELOG.md section to fill in (the test refuses the placeholder).
// Deterministic: the same sources give the same files. Prints what it did; exit 0. `--root <dir>` works on another
// checkout's blueprints and templates (the tests use it on a scratch copy).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CHANGELOG_PLACEHOLDER,
  blueprintUnit,
  catalogUnit,
  compareVersions,
  readUnitRecord,
  unitChangelogPath,
  unitChangelogSections,
  unitDigest,
  unitRecordPath,
} from "../dist/blueprints/versions.js";

const option = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const root = option("--root") ? resolve(option("--root")) : fileURLToPath(new URL("..", import.meta.url));
const bump = option("--bump") ?? "minor";
if (!["patch", "minor", "major"].includes(bump)) {
  console.error("usage: npm run blueprints:record [-- --bump patch|minor|major] [--root <checkout>]");
  process.exit(2);
}
const blueprintIds = () =>
  readdirSync(join(root, "blueprints"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("_"))
    .map((entry) => entry.name)
    .sort();
const tool = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

const next = (version) => {
  const [major, minor, patch] = version.split(".").map(Number);
  return bump === "major" ? `${major + 1}.0.0` : bump === "minor" ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
};

function writeRecord(unit, versions) {
  const ordered = Object.fromEntries(Object.entries(versions).sort(([a], [b]) => compareVersions(a, b)));
  writeFileSync(join(root, unitRecordPath(unit)), `${JSON.stringify({ versions: ordered }, null, 2)}\n`);
}

/**
 * A CHANGELOG.md section for `version` above the others: a placeholder naming the files that changed, for a person to
 * replace by what the change means for the repositories; a blueprint's first version has nothing to compare with.
 */
function addChangelogSection(unit, title, version, changed, firstVersion) {
  const file = join(root, unitChangelogPath(unit));
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    text = `# ${title} changelog\n\nWhat each version changes in the repositories it renders, newest first. \`create-cluster-repo plan\`\nand the pull request of \`create-cluster-repo update\` quote the sections between a repository's version and this one.\n`;
  }
  const files = changed.length ? `\n\n  Files changed: ${changed.map((path) => `\`${path}\``).join(", ")}.` : "";
  const section = `## ${version} (create-cluster-repo ${tool})\n\n- ${firstVersion ? "The first version." : `${CHANGELOG_PLACEHOLDER}${files}`}\n\n`;
  const first = text.search(/^## /m);
  writeFileSync(file, first < 0 ? `${text.trimEnd()}\n\n${section.trimEnd()}\n` : text.slice(0, first) + section + text.slice(first));
}

const units = [...blueprintIds().map((id) => ({ id, title: `${id} blueprint`, unit: blueprintUnit(id) })), { id: "add-on catalog", title: "add-on catalog", unit: catalogUnit }];
for (const { id, title, unit } of units) {
  const manifestFile = join(root, unit.manifest);
  const manifest = readFileSync(manifestFile, "utf8");
  const version = /^version:\s*"?([0-9]+\.[0-9]+\.[0-9]+)"?\s*$/m.exec(manifest)?.[1];
  if (!version) throw new Error(`${manifestFile}: no "version: x.y.z" line`);
  const { digest, files } = unitDigest(unit, root);
  const versions = readUnitRecord(unit, root);
  const entry = versions[version];
  const newest = Object.keys(versions).sort(compareVersions).at(-1);
  const changedSince = (previous) => Object.keys({ ...previous, ...files }).filter((path) => previous?.[path] !== files[path]).sort();
  if (entry?.digest === digest) {
    console.log(`${id} ${version}: up to date`);
    continue;
  }
  const forget = () => Object.values(versions).forEach((older) => delete older.files);
  if (!entry) {
    const changed = changedSince(newest ? versions[newest].files : undefined);
    forget();
    versions[version] = { tool, digest, files };
    writeRecord(unit, versions);
    if (!unitChangelogSections(unit, root).has(version)) addChangelogSection(unit, title, version, changed, newest === undefined);
    console.log(`${id} ${version}: recorded`);
  } else if (entry.tool === tool) {
    const changed = changedSince(entry.files);
    versions[version] = { tool, digest, files };
    writeRecord(unit, versions);
    console.log(`${id} ${version}: recorded again (create-cluster-repo ${tool} is not released yet); changed: ${changed.join(", ")}`);
    console.log(`  say what changed in ${unitChangelogPath(unit)}, section ${version}`);
  } else {
    const changed = changedSince(entry.files);
    const bumped = next(version);
    writeFileSync(manifestFile, manifest.replace(/^version:.*$/m, `version: ${bumped}`));
    forget();
    versions[bumped] = { tool, digest, files };
    writeRecord(unit, versions);
    addChangelogSection(unit, title, bumped, changed, false);
    console.log(`${id}: ${version} shipped with create-cluster-repo ${entry.tool}; the new content is ${bumped}. Say what changed in ${unitChangelogPath(unit)}`);
  }
}
