/**
 * Declared steps that carry an answers file from one version of a blueprint to the next: `blueprints/<id>/migrations.yaml`,
 * found by presence (a blueprint that never renamed, moved or re-defaulted a parameter has none). Each entry names
 * the version it leads to and its steps, applied in order to the recorded parameters of a repository whose version
 * is older; `plan` shows them, `update` commits the migrated answers file. The add-on catalog will keep its own file
 * of the same shape, keyed by its own version (issue #24): {@link parseMigrations} and src/update/migrate.ts take any.
 *
 * ```yaml
 * - version: 1.1.0
 *   steps:
 *     - rename: gpuPool.type        # the key, renamed in place
 *       to: nodeType
 *       why: Scaleway calls it a node type
 *     - move: cni                   # anywhere else
 *       to: network.cni
 *       why: ...
 *     - default: kubernetesVersion  # a changed default: a recorded value equal to `from` becomes `to`
 *       from: "1.34"
 *       to: "1.35"
 *       when: { autoUpgrade.enabled: true }   # optional: every path equals its value (before this step)
 *       why: ...
 *     - remove: legacyFlag
 *       why: ...
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseShippedYaml } from "../yaml/shipped-data.js";
import { BlueprintError } from "../errors.js";
import { packageRoot } from "../_utils.js";
import { blueprintsRoot } from "./registry.js";

export type MigrationStep =
  | { kind: "rename"; path: string; to: string; why: string; when?: Record<string, unknown> }
  | { kind: "move"; path: string; to: string; why: string; when?: Record<string, unknown> }
  | { kind: "default"; path: string; from: unknown; to: unknown; why: string; when?: Record<string, unknown> }
  | { kind: "remove"; path: string; why: string; when?: Record<string, unknown> };

export interface MigrationEntry {
  /** The version these steps lead to, from the one before it. */
  version: string;
  steps: MigrationStep[];
}

const KINDS = ["rename", "move", "default", "remove"] as const;
// Segments may hold dashes: add-on names are DNS labels (addons.gpu-operator.values...).
const PATH = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;

/** The entries of a migrations file; every problem is listed with where it is. */
export function parseMigrations(data: unknown, file: string): MigrationEntry[] {
  const problems: string[] = [];
  if (!Array.isArray(data)) throw new BlueprintError(`${file}: must be a list of { version, steps }`);
  const entries: MigrationEntry[] = [];
  data.forEach((entry: any, i) => {
    const where = `[${i}]`;
    if (typeof entry?.version !== "string" || !/^\d+\.\d+\.\d+$/.test(entry.version)) problems.push(`${where}.version: a version such as 1.1.0`);
    if (!Array.isArray(entry?.steps) || entry.steps.length === 0) problems.push(`${where}.steps: a non-empty list of steps`);
    const steps: MigrationStep[] = [];
    (Array.isArray(entry?.steps) ? entry.steps : []).forEach((step: any, j: number) => {
      const at = `${where}.steps[${j}]`;
      const kinds = KINDS.filter((kind) => step && typeof step === "object" && kind in step);
      if (kinds.length !== 1) return problems.push(`${at}: exactly one of ${KINDS.join(", ")}`);
      const kind = kinds[0]!;
      const path = step[kind];
      if (typeof path !== "string" || !PATH.test(path)) problems.push(`${at}.${kind}: a dotted parameter path such as gpuPool.nodeType`);
      if (typeof step.why !== "string" || step.why.trim() === "") problems.push(`${at}.why: say why, in a sentence (plan shows it)`);
      const when = step.when;
      if (when !== undefined && (!when || typeof when !== "object" || Array.isArray(when) || Object.keys(when).some((key) => !PATH.test(key)))) {
        problems.push(`${at}.when: a mapping of dotted parameter paths to values`);
      }
      const allowed = new Set([kind, "why", "when", ...(kind === "rename" || kind === "move" ? ["to"] : kind === "default" ? ["from", "to"] : [])]);
      for (const key of Object.keys(step)) if (!allowed.has(key)) problems.push(`${at}.${key}: not a field of a ${kind} step`);
      if (kind === "rename" && (typeof step.to !== "string" || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(step.to))) problems.push(`${at}.to: the new key name (one segment)`);
      if (kind === "move" && (typeof step.to !== "string" || !PATH.test(step.to))) problems.push(`${at}.to: the new dotted path`);
      if (kind === "default" && (!("from" in step) || !("to" in step))) problems.push(`${at}: a default step has "from" (the old default) and "to"`);
      steps.push({ ...step, kind, path } as MigrationStep);
    });
    entries.push({ version: entry?.version, steps });
  });
  if (problems.length > 0) throw new BlueprintError(`${file}: not a valid migrations file`, problems);
  return entries;
}

/** The add-on catalog's migrations (addons/migrations.yaml, keyed by catalog versions), or none. */
export function readCatalogMigrations(root: string = join(packageRoot, "addons")): MigrationEntry[] {
  const file = join(root, "migrations.yaml");
  if (!existsSync(file)) return [];
  return parseMigrations(parseShippedYaml(readFileSync(file, "utf8")), "addons/migrations.yaml");
}

/** A blueprint's migrations, or none when it has no migrations.yaml. */
export function readMigrations(id: string): MigrationEntry[] {
  const file = join(blueprintsRoot, id, "migrations.yaml");
  if (!existsSync(file)) return [];
  return parseMigrations(parseShippedYaml(readFileSync(file, "utf8")), `blueprints/${id}/migrations.yaml`);
}
