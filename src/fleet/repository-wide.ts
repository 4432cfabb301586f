/**
 * The repository-wide files (CI, src/fleet/layout.ts isRepositoryWide) and the first cluster's README once the fleet
 * changes (knowsTheFleet): the first cluster's render owns them, a fleet's CI plans each cluster's Terraform root
 * (src/generator/fleet-ci.ts) and the README says where each cluster's credentials go, so add-cluster re-renders them
 * in its own commit, merged with the team's edits as `update` merges (3-way, from the record), and records what it
 * wrote in the first cluster's record: `check` then finds them up to date.
 */
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import type { FileTree } from "../file-tree.js";
import type { FleetCi } from "../generator/fleet-ci.js";
import type { FleetFile } from "./fleet-file.js";
import { gitBlobId, parseRecordFile, renderRecordFile } from "../generator/record.js";
import { planUpdate, readAnswers } from "../update/plan.js";
import { knowsTheFleet } from "./layout.js";

/** `deletes`: files of the first cluster's render its new render leaves out (shared bases no cluster lists any more). */
export type RepositoryWideChange = { writes: FileTree; deletes: string[]; skipped?: undefined } | { writes: FileTree; deletes: string[]; skipped: string };

/**
 * The writes that bring the repository-wide files to `fleet` (with the first cluster's record), or none and why:
 * a first cluster rendered by another release is upgraded by `update --cluster <first>`, never as a side effect.
 * `fleetFile`: the fleet as it will be, where fleet.yaml is not written yet (the first add).
 * @throws InputError when the team's edits of a CI file conflict with the new render (nothing is written)
 */
export async function repositoryWideFor(dir: string, first: string, fleet: FleetCi, fleetFile?: FleetFile): Promise<RepositoryWideChange> {
  // The version the first cluster records: the CI installs that one (validate.yml), and this change is not an upgrade.
  const plan = await planUpdate(dir, {}, { root: "", fleet, ...(fleetFile ? { fleetFile } : {}), toolVersion: readAnswers(dir).toolVersion });
  if (plan.blueprintUpgrade || plan.catalog.from !== plan.catalog.to) {
    return { writes: new Map(), deletes: [], skipped: `the first cluster's CI stays as it is until \`${defaults.toolName} update --cluster ${first}\` (it was rendered by another release); until then its terraform workflow plans ${"`terraform/`"} only` };
  }
  const wide = plan.outcomes.filter((outcome) => knowsTheFleet(outcome.path));
  const conflicts = wide.filter((outcome) => outcome.action === "conflict").map((outcome) => outcome.path);
  if (conflicts.length > 0) {
    throw new InputError(`your edits of ${conflicts.join(", ")} conflict with the fleet's CI, README and shared add-on bases: run \`${defaults.toolName} update --cluster ${first}\` first (it shows and keeps them), then run this command again. Nothing was written`);
  }
  const writes = new Map<string, string>();
  for (const outcome of wide) if (outcome.action === "write") writes.set(outcome.path, outcome.content);
  // A shared base no cluster of the fleet lists any more (its last cluster of that engine, or of that add-on, left).
  const deletes = wide.filter((outcome) => outcome.action === "delete").map((outcome) => outcome.path);
  if (writes.size === 0 && deletes.length === 0) return { writes, deletes };
  // The first cluster's record, changed for these files only: the rest of its render is not this change's.
  const recordText = plan.before.get(defaults.renderRecord);
  if (recordText === undefined) return { writes: new Map(), deletes: [], skipped: `${defaults.renderRecord} is missing: run \`${defaults.toolName} update --cluster ${first}\` to bring the CI to the fleet` };
  const record = parseRecordFile(recordText);
  for (const path of [...record.files.keys()]) {
    if (knowsTheFleet(path) && !plan.rendered.tree.has(path)) {
      record.files.delete(path);
      record.generated.delete(path);
    }
  }
  for (const [path, content] of plan.rendered.tree) {
    if (!knowsTheFleet(path)) continue;
    record.files.set(path, gitBlobId(content));
    const committed = writes.get(path) ?? plan.before.get(path);
    if (committed !== content) record.generated.set(path, content);
    else record.generated.delete(path);
  }
  writes.set(defaults.renderRecord, renderRecordFile(record));
  return { writes, deletes };
}
