/**
 * Which generated paths belong to someone else once Day 1 is done, so that `check` does not flag them and `update`
 * neither merges into them nor deletes them.
 *
 * `clusters/<name>/flux-system/` belongs to `flux bootstrap`. `create` writes gotk-sync.yaml there (in the layout
 * flux2's manifest generator writes) so that the repository is complete and valid before bootstrap. `flux bootstrap`
 * then rewrites gotk-sync.yaml with its own header and its own URL (https:// with --token-auth, ssh:// with a deploy
 * key) and adds gotk-components.yaml and kustomization.yaml. gotk-components.yaml only ever comes from flux (bootstrap
 * or `flux install --export`), so its presence is what hands the folder over; before that the tool still keeps
 * gotk-sync.yaml in step with the answers file (e.g. `update --set repoUrl=...` before the first bootstrap).
 * Argo CD's bootstrap writes nothing into the repository, so an Argo CD repository has no such paths.
 */
import { defaults, type GitopsEngine } from "../defaults.js";

/** File that only `flux bootstrap` (or `flux install`) writes: once present, the folder is Flux's. */
export const FLUX_BOOTSTRAP_MARKER = "gotk-components.yaml";

/** `clusters/<name>/flux-system/`, with the trailing slash. */
export function fluxSystemDir(clusterName: string): string {
  return `clusters/${clusterName}/${defaults.fluxNamespace}/`;
}

export interface BootstrapOwnership {
  /** Human-readable owner and folder, for messages; undefined when nothing is handed over. */
  owner?: { tool: string; dir: string };
  /** Whether the tool must leave this path (relative, POSIX) alone. */
  owns(path: string): boolean;
}

const NOTHING: BootstrapOwnership = { owns: () => false };

/** What is handed over in the repository `read` reads (relative paths; undefined = absent). */
export async function bootstrapOwnership(
  answers: { gitops: GitopsEngine; params: Record<string, unknown> },
  read: (path: string) => Promise<string | undefined>,
): Promise<BootstrapOwnership> {
  const clusterName = answers.params.clusterName;
  if (answers.gitops !== "flux" || typeof clusterName !== "string") return NOTHING;
  const dir = fluxSystemDir(clusterName);
  if ((await read(`${dir}${FLUX_BOOTSTRAP_MARKER}`)) === undefined) return NOTHING;
  return { owner: { tool: "flux bootstrap", dir }, owns: (path) => path.startsWith(dir) };
}
