/**
 * Migrates the parameters an answers file records from its version to a newer one, by the declared steps of every
 * version in between (src/blueprints/migrations.ts), oldest first. Pure: returns the new parameters and what each
 * applied step did, in words `plan`, `update` and the pull request show.
 */
import { isDeepStrictEqual } from "node:util";
import { compareVersions, isNewerVersion } from "../blueprints/versions.js";
import type { MigrationEntry, MigrationStep } from "../blueprints/migrations.js";

export interface AppliedStep {
  version: string;
  /** Whose step: the blueprint's (blueprints/<id>/migrations.yaml) or the add-on catalog's (addons/migrations.yaml). */
  source?: "catalog";
  kind: MigrationStep["kind"];
  path: string;
  /** One line: what changed in the answers file, and why. */
  text: string;
}

type Params = Record<string, unknown>;

const isObject = (value: unknown): value is Params => value !== null && typeof value === "object" && !Array.isArray(value);

function lookup(params: Params, path: string): { parent?: Params; key: string; present: boolean; value?: unknown } {
  const segments = path.split(".");
  let parent: unknown = params;
  for (const segment of segments.slice(0, -1)) {
    parent = isObject(parent) && Object.hasOwn(parent, segment) ? parent[segment] : undefined;
  }
  const key = segments.at(-1)!;
  if (!isObject(parent)) return { key, present: false };
  return { parent, key, present: Object.hasOwn(parent, key), value: parent[key] };
}

/** Sets `path`, creating the objects on the way (own keys only: a `__proto__` segment stays a plain key). */
function place(params: Params, path: string, value: unknown): void {
  const segments = path.split(".");
  let current = params;
  for (const segment of segments.slice(0, -1)) {
    if (!isObject(current[segment]) || !Object.hasOwn(current, segment)) Object.defineProperty(current, segment, { value: {}, enumerable: true, writable: true, configurable: true });
    current = current[segment] as Params;
  }
  Object.defineProperty(current, segments.at(-1)!, { value, enumerable: true, writable: true, configurable: true });
}

const show = (value: unknown) => JSON.stringify(value);

/** One step on `params` (changed in place); a sentence when it applied, undefined when it had nothing to do. */
function applyStep(params: Params, step: MigrationStep): string | undefined {
  for (const [path, expected] of Object.entries(step.when ?? {})) {
    if (!isDeepStrictEqual(lookup(params, path).value, expected)) return undefined;
  }
  const at = lookup(params, step.path);
  if (!at.present || !at.parent) return undefined;
  switch (step.kind) {
    case "rename":
    case "move": {
      const to = step.kind === "rename" ? [...step.path.split(".").slice(0, -1), step.to].join(".") : step.to;
      delete at.parent[at.key];
      place(params, to, at.value);
      return `${step.path} ${step.kind === "rename" ? "renamed" : "moved"} to ${to}: ${step.why}`;
    }
    case "default":
      if (!isDeepStrictEqual(at.value, step.from)) return undefined;
      at.parent[at.key] = structuredClone(step.to);
      return `${step.path}: ${show(step.from)} -> ${show(step.to)}: ${step.why}`;
    case "remove":
      delete at.parent[at.key];
      return `${step.path} removed (was ${show(at.value)}): ${step.why}`;
  }
}

/** The parameters recorded at version `from`, migrated to `to` by the entries after `from` up to `to`. */
export function migrateParams(params: Params, migrations: MigrationEntry[], from: string, to: string): { params: Params; applied: AppliedStep[] } {
  const out = structuredClone(params);
  const applied: AppliedStep[] = [];
  const due = migrations.filter((entry) => isNewerVersion(entry.version, from) && !isNewerVersion(entry.version, to)).sort((a, b) => compareVersions(a.version, b.version));
  for (const entry of due) {
    for (const step of entry.steps) {
      const text = applyStep(out, step);
      if (text !== undefined) applied.push({ version: entry.version, kind: step.kind, path: step.path, text });
    }
  }
  return { params: out, applied };
}

/**
 * The parameters migrated by both registries: the blueprint's steps from its recorded version (when it is upgraded),
 * then the add-on catalog's from the recorded catalog version (absent in files written before the catalog). The
 * catalog's steps say so in their text.
 */
export function migrateAnswersParams(
  params: Params,
  blueprint: { migrations: MigrationEntry[]; from: string; to: string } | undefined,
  catalog: { migrations: MigrationEntry[]; from: string; to: string },
): { params: Params; applied: AppliedStep[] } {
  const first = blueprint ? migrateParams(params, blueprint.migrations, blueprint.from, blueprint.to) : { params, applied: [] };
  const second = migrateParams(first.params, catalog.migrations, catalog.from, catalog.to);
  const catalogSteps = second.applied.map((step) => ({ ...step, source: "catalog" as const, text: `add-on catalog ${step.version}: ${step.text}` }));
  return { params: second.params, applied: [...first.applied, ...catalogSteps] };
}
