import { execFile } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { readPackageVersion } from "../src/_utils.js";
import { readMigrations } from "../src/blueprints/migrations.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { FORGE_TEMPLATE_SETS, GITOPS_TEMPLATE_SETS, loadBlueprint, templateSetsOf } from "../src/blueprints/load.js";
import {
  CHANGELOG_PLACEHOLDER,
  blueprintSources,
  blueprintUnit,
  catalogSources,
  catalogUnit,
  changelogPath,
  compareVersions,
  readUnitRecord,
  readVersionRecord,
  unitChangelogPath,
  unitChangelogSections,
  unitDigest,
  unitRecordPath,
  versionRecordPath,
  type VersionedUnit,
} from "../src/blueprints/versions.js";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

/**
 * Blueprint versions move with their templates: each blueprint's sources (templates it renders from, schemas,
 * blueprint.yaml, migrations) are recorded under its version in versions.json, and its CHANGELOG.md says what each
 * version changed. A source changed without a recorded version fails here, naming the blueprint, the files and the
 * command that records it.
 */
const RECORD = "npm run blueprints:record";

/** What is wrong with the version record of a blueprint (or of the add-on catalog) in the checkout at `root`, one sentence each. */
function unitProblems(unit: VersionedUnit, root: string): string[] {
  const version = /^version:\s*"?([0-9.]+)"?\s*$/m.exec(readFileSync(join(root, unit.manifest), "utf8"))![1]!;
  const versions = readUnitRecord(unit, root);
  const entry = versions[version];
  const { digest, files } = unitDigest(unit, root);
  const problems: string[] = [];
  if (!entry) problems.push(`${unit.dir}: version ${version} is not recorded in ${unitRecordPath(unit)}: run \`${RECORD}\``);
  else if (entry.digest !== digest) {
    const changed = Object.keys({ ...entry.files, ...files }).filter((path) => entry.files?.[path] !== files[path]);
    problems.push(
      `${unit.dir}: its sources changed since ${version} was recorded (${changed.join(", ")}): run \`${RECORD}\` ` +
        `(a version not released yet is recorded again, a released one bumped), then say what changed in ${unitChangelogPath(unit)}`,
    );
  }
  const newest = Object.keys(versions).sort(compareVersions).at(-1);
  if (newest !== version) problems.push(`${unit.dir}: ${unit.manifest} says ${version}, the newest recorded is ${newest}`);
  const sections = unitChangelogSections(unit, root);
  for (const recorded of Object.keys(versions)) {
    const text = sections.get(recorded);
    if (!text) problems.push(`${unitChangelogPath(unit)}: no "## ${recorded}" section saying what ${recorded} changed`);
    else if (text.includes(CHANGELOG_PLACEHOLDER)) problems.push(`${unitChangelogPath(unit)}: say what ${recorded} changes (the section still has its placeholder)`);
  }
  return problems;
}

const versionProblems = (id: string, root: string) => unitProblems(blueprintUnit(id), root);

describe("the add-on catalog:", () => {
  test("its sources (every file of addons/) are recorded under its version, and its changelog says what each version changed", () => {
    expect(catalogSources()).toEqual(expect.arrayContaining(["addons/catalog.yaml", "addons/gpu-operator/addon.yaml"]));
    expect(catalogSources()).not.toContain(unitRecordPath(catalogUnit));
    expect(unitProblems(catalogUnit, repoRoot)).toEqual([]);
  });
});

describe.each(blueprintIds())("blueprint %s:", (id) => {
  test("its sources are recorded under its version, and its changelog says what each version changed", () => {
    expect(versionProblems(id, repoRoot)).toEqual([]);
  });

  test("every version names the tool release that ships it, the newest one ships with this package or an earlier one", () => {
    const versions = readVersionRecord(id);
    const tool = readPackageVersion();
    for (const [version, entry] of Object.entries(versions)) {
      expect(entry.tool, version).toMatch(/^\d+\.\d+\.\d+/);
      expect(compareVersions(entry.tool, tool), `${version} ships with ${entry.tool}`).toBeLessThanOrEqual(0);
    }
    // Only the newest keeps a digest per file: older ones are never compared file by file again.
    expect(Object.entries(versions).filter(([, entry]) => entry.files).map(([version]) => version)).toEqual([Object.keys(versions).sort(compareVersions).at(-1)]);
  });

  test("its sources are the files it renders from", () => {
    const sources = blueprintSources(id);
    expect(sources).toContain(`blueprints/${id}/blueprint.yaml`);
    expect(sources).toContain(`blueprints/${id}/params.schema.json`);
    const blueprint = loadBlueprint(id);
    const sets = [...templateSetsOf(blueprint), ...GITOPS_TEMPLATE_SETS, ...FORGE_TEMPLATE_SETS].map((set) => `templates/${set}/`);
    expect(sets).toEqual(expect.arrayContaining(["templates/common/", `templates/clouds/${blueprint.cloud}/`, ...blueprint.packs.map((pack) => `templates/packs/${pack.name}/`)]));
    for (const set of sets) {
      expect(sources.some((path) => path.startsWith(set)), set).toBe(true);
    }
    expect(sources).not.toContain(versionRecordPath(id));
    expect(sources).not.toContain(changelogPath(id));
  });

  test("its migrations lead to recorded versions", () => {
    const versions = readVersionRecord(id);
    for (const entry of readMigrations(id)) expect(Object.keys(versions), `migrations to ${entry.version}`).toContain(entry.version);
  });
});

describe("npm run blueprints:record on a checkout whose templates changed", () => {
  const run = promisify(execFile);
  const id = blueprintIds()[0]!;
  /** A scratch checkout with this repository's blueprints and templates. */
  function scratch(): string {
    const root = tempDir("ccr-versions-");
    for (const entry of ["package.json", "blueprints", "addons", "templates"]) cpSync(join(repoRoot, entry), join(root, entry), { recursive: true });
    return root;
  }
  const record = (root: string, ...args: string[]) => run(process.execPath, [join(repoRoot, "scripts", "record-blueprint-versions.mjs"), "--root", root, ...args]);
  const template = `templates/clouds/${loadBlueprint(id).cloud}`;
  const changeATemplate = (root: string) => {
    const file = join(root, blueprintSources(id, root).find((path) => path.startsWith(template))!);
    writeFileSync(file, `${readFileSync(file, "utf8")}\n# changed\n`);
    return file.slice(root.length + 1);
  };

  test("the check fails naming the blueprint, the file and the command; a version not released yet is recorded again", async () => {
    const root = scratch();
    const changed = changeATemplate(root);
    const problems = versionProblems(id, root);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`blueprints/${id}: its sources changed since`);
    expect(problems[0]).toContain(changed);
    expect(problems[0]).toContain(`\`${RECORD}\``);
    const { stdout } = await record(root);
    expect(stdout).toContain(`${id} `);
    expect(stdout).toContain("recorded again");
    expect(versionProblems(id, root)).toEqual([]);
    // Deterministic: the same sources, the same record.
    const before = readFileSync(join(root, versionRecordPath(id)), "utf8");
    await record(root);
    expect(readFileSync(join(root, versionRecordPath(id)), "utf8")).toBe(before);
  });

  test("a released version is left as it shipped: the blueprint gets the next version and a changelog section to fill in", async () => {
    const root = scratch();
    const versionsFile = join(root, versionRecordPath(id));
    const versions = JSON.parse(readFileSync(versionsFile, "utf8"));
    const current = Object.keys(versions.versions).sort(compareVersions).at(-1)!;
    versions.versions[current].tool = "0.0.1"; // shipped by an earlier release
    writeFileSync(versionsFile, JSON.stringify(versions, null, 2));
    changeATemplate(root);
    const { stdout } = await record(root);
    const [major, minor] = current.split(".").map(Number);
    const next = `${major}.${minor! + 1}.0`;
    expect(stdout).toContain(`the new content is ${next}`);
    expect(readFileSync(join(root, "blueprints", id, "blueprint.yaml"), "utf8")).toMatch(new RegExp(`^version: ${next.replace(/\./g, "\\.")}$`, "m"));
    expect(readVersionRecord(id, root)[current]!.digest).toBe(versions.versions[current].digest);
    expect(versionProblems(id, root)).toEqual([`${changelogPath(id)}: say what ${next} changes (the section still has its placeholder)`]);
  });
});
