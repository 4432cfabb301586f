/**
 * The clusters of a repository (docs/FLEETS.md): the first one, whose answers file is at the top, and each one added
 * later, found by the presence of `fleet/<name>/cluster-repo.yaml` and listed in fleet.yaml with its environment.
 * Both must agree: a folder fleet.yaml does not list, or a listed cluster without its folder, is an error, not a
 * cluster silently left out of `update --all` or `check`.
 */
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import type { Answers } from "../generator/answers.js";
import { InputFileError, readInputFile } from "../read-input.js";
import { readAnswers } from "../update/answers-file.js";
import { parseFleetFile, type FleetFile } from "./fleet-file.js";
import { FLEET_DIR, FLEET_FILE, addedClusterRoot } from "./layout.js";

export interface FleetMember {
  name: string;
  /** "" for the first cluster, `fleet/<name>/` for one added later. */
  root: string;
  /** Its environment in fleet.yaml; absent in a repository of one cluster without fleet.yaml. */
  environment?: string;
  answers: Answers;
  /** remove-cluster is taking it down: update --all and check leave it out. */
  removing?: boolean;
}

export interface Fleet {
  /** fleet.yaml as read; absent for a repository of one cluster. */
  file?: FleetFile;
  /** Every cluster, in environment order (fleet.yaml's), then in the order they were added. */
  members: FleetMember[];
}

export function readFleetFile(dir: string): FleetFile | undefined {
  let text: string;
  try {
    text = readInputFile(join(dir, FLEET_FILE), { noFollow: true });
  } catch (error) {
    if (error instanceof InputFileError && error.reason === "missing") return undefined;
    throw new InputError(`${FLEET_FILE}: ${(error as Error).message}; restore it from git history`);
  }
  return parseFleetFile(text);
}

const existsLstat = (path: string) => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/** The folders under fleet/ that hold an answers file. */
function clusterFolders(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(dir, FLEET_DIR), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    // Present in any form (readAnswers then refuses a link or a FIFO there, naming it).
    .filter((name) => existsLstat(join(dir, addedClusterRoot(name), defaults.answersFile)))
    .sort();
}

/**
 * Every cluster of the repository in `dir` (a repository made by this tool: the first cluster's answers file is
 * read first, and names what is wrong when it is missing).
 * @throws InputError (exit 2)
 */
export function readFleet(dir: string): Fleet {
  const firstAnswers = readAnswers(dir);
  const first = String(firstAnswers.params.clusterName);
  const file = readFleetFile(dir);
  const folders = clusterFolders(dir);
  if (!file) {
    if (folders.length > 0) throw new InputError(`${FLEET_FILE} is missing while ${FLEET_DIR} holds cluster(s) ${folders.join(", ")}; restore ${FLEET_FILE} from git history`);
    return { members: [{ name: first, root: "", answers: firstAnswers }] };
  }
  if (!file.clusters.has(first)) {
    throw new InputError(`${FLEET_FILE} does not list ${first}, the cluster of ${defaults.answersFile}; add it under "clusters" with its environment (was it renamed?)`);
  }
  for (const folder of folders) {
    if (!file.clusters.has(folder)) throw new InputError(`${FLEET_DIR}${folder}/ holds a cluster that ${FLEET_FILE} does not list; add it under "clusters" with its environment, or remove the folder`);
  }
  const members: FleetMember[] = [];
  for (const [name, environment] of file.clusters) {
    if (name === first) {
      members.push({ name, root: "", environment, answers: firstAnswers });
      continue;
    }
    if (!folders.includes(name)) throw new InputError(`${FLEET_FILE} lists cluster ${name}, and ${addedClusterRoot(name)}${defaults.answersFile} is missing; restore it from git history or remove ${name} from ${FLEET_FILE}`);
    const answers = readAnswers(dir, addedClusterRoot(name));
    if (answers.params.clusterName !== name) {
      throw new InputError(`${addedClusterRoot(name)}${defaults.answersFile} records clusterName ${JSON.stringify(answers.params.clusterName)}, not ${name}: a cluster of a fleet is renamed by adding it again under the new name`);
    }
    members.push({ name, root: addedClusterRoot(name), environment, answers, ...(file.removing.includes(name) ? { removing: true } : {}) });
  }
  const rank = (member: FleetMember) => file.environments.indexOf(member.environment!);
  // Stable: within an environment, the order fleet.yaml lists them in.
  members.sort((a, b) => rank(a) - rank(b));
  return { file, members };
}

/** The members in the environment `environment`, or every member; an environment fleet.yaml lacks is refused. */
export function membersIn(fleet: Fleet, environment?: string): FleetMember[] {
  const staying = fleet.members.filter((member) => !member.removing);
  if (environment === undefined) return staying;
  const known = fleet.file?.environments ?? [];
  if (!known.includes(environment)) {
    throw new InputError(`environment ${JSON.stringify(environment)} is not one of this fleet's (${known.join(", ") || `none: the repository has no ${FLEET_FILE} yet`}); environments are listed in ${FLEET_FILE}`);
  }
  return staying.filter((member) => member.environment === environment);
}
