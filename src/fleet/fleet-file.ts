/**
 * fleet.yaml: the environments of a fleet in promotion order, the parameters `promote` carries from one environment
 * to the next, and each cluster's environment. Present once a repository has a second cluster (`add-cluster` writes
 * it); a repository without it is a fleet of its one cluster. Input like every other file: read within a bound,
 * every field checked, never executed.
 */
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { toYamlText } from "../generator/yaml-text.js";
import { loadYamlFile } from "../yaml/load.js";
import { FLEET_FILE } from "./layout.js";

export interface FleetFile {
  /** In promotion order: `promote a b` needs b after a. */
  environments: string[];
  /** Parameter paths (as --set takes them) that `promote` copies, besides the versions and add-ons it always carries. */
  promotable: string[];
  /** Cluster name -> environment, in the order clusters were added. */
  clusters: Map<string, string>;
  /** Clusters remove-cluster is taking down (its steps under way): left out of update --all and check. */
  removing: string[];
}

/** A cluster or environment name: a DNS-1123 label, as the blueprints' clusterName (it names folders and branches). */
export const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const NAME_HINT = "2-40 lowercase letters, digits and '-', starting with a letter and not ending with '-'";
export const isValidName = (name: string) => name.length >= 2 && name.length <= 40 && NAME.test(name);

/** The environments a new fleet starts with: the pair every fleet tool's examples start from. */
export const DEFAULT_ENVIRONMENTS = ["staging", "production"];

const HEADER = `# The fleet: environments in promotion order, what \`${defaults.toolName} promote\` carries from one to the next
# (catalog and blueprint versions and add-ons always, plus the parameters under "promotable"), and each cluster's
# environment. Edit environments and promotable by hand (in a pull request); add-cluster and remove-cluster edit clusters.
`;

export function renderFleetFile(fleet: FleetFile): string {
  return HEADER + toYamlText({ environments: fleet.environments, promotable: fleet.promotable, clusters: Object.fromEntries(fleet.clusters), ...(fleet.removing.length ? { removing: fleet.removing } : {}) });
}

export function parseFleetFile(text: string, file = FLEET_FILE): FleetFile {
  const fix = "fix it (see docs/FLEETS.md) or restore it from git history";
  if (Buffer.byteLength(text) > defaults.maxParamsFileBytes) throw new InputError(`${file} is larger than a fleet file holds (at most ${defaults.maxParamsFileBytes / 1024} KiB); ${fix}`);
  const data = loadYamlFile(text, file, fix);
  if (!data || typeof data !== "object" || Array.isArray(data)) throw new InputError(`${file}: must be a mapping with environments, promotable and clusters; ${fix}`);
  const { environments, promotable = [], clusters, removing = [] } = data as Record<string, unknown>;
  const names = (value: unknown, field: string): string[] => {
    if (!Array.isArray(value) || value.some((entry) => typeof entry !== "string")) throw new InputError(`${file}: "${field}" must be a list of names; ${fix}`);
    return value as string[];
  };
  const envs = names(environments, "environments");
  if (envs.length === 0) throw new InputError(`${file}: "environments" lists none; ${fix}`);
  for (const env of envs) if (!isValidName(env)) throw new InputError(`${file}: environment ${JSON.stringify(env)} is not a name (${NAME_HINT}); ${fix}`);
  if (new Set(envs).size !== envs.length) throw new InputError(`${file}: "environments" lists a name twice; ${fix}`);
  const promoted = names(promotable, "promotable");
  if (!clusters || typeof clusters !== "object" || Array.isArray(clusters)) throw new InputError(`${file}: "clusters" must map each cluster name to its environment; ${fix}`);
  const members = new Map<string, string>();
  for (const [name, env] of Object.entries(clusters)) {
    if (!isValidName(name)) throw new InputError(`${file}: cluster ${JSON.stringify(name)} is not a name (${NAME_HINT}); ${fix}`);
    if (typeof env !== "string" || !envs.includes(env)) throw new InputError(`${file}: cluster ${name} is in environment ${JSON.stringify(env)}, which "environments" does not list (${envs.join(", ")}); ${fix}`);
    members.set(name, env);
  }
  const leaving = names(removing, "removing");
  for (const name of leaving) if (!members.has(name)) throw new InputError(`${file}: "removing" names ${JSON.stringify(name)}, which "clusters" does not list; ${fix}`);
  return { environments: envs, promotable: promoted, clusters: members, removing: leaving };
}
