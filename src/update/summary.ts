import { parse as parseHcl } from "@cdktf/hcl2json";
import type { FileTree } from "../file-tree.js";
import { parseDocuments } from "../validators/kubernetes/documents.js";

export interface ChangeSet {
  added: string[];
  changed: string[];
  removed: string[];
}

export interface ChangeSummary {
  files: ChangeSet;
  /** `Kind namespace/name` keys. */
  kubernetes: ChangeSet;
  /** Terraform addresses, e.g. `scaleway_k8s_pool.gpu`. */
  terraform: ChangeSet;
}

function compare(before: Map<string, string>, after: Map<string, string>): ChangeSet {
  const set: ChangeSet = { added: [], changed: [], removed: [] };
  for (const [key, value] of after) {
    if (!before.has(key)) set.added.push(key);
    else if (before.get(key) !== value) set.changed.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) set.removed.push(key);
  for (const list of Object.values(set)) list.sort();
  return set;
}

/** Kubernetes objects by identity, serialised for comparison; unparsable files are left to validation. */
function kubernetesObjects(tree: FileTree): Map<string, string> {
  const objects = new Map<string, string>();
  for (const [path, content] of tree) {
    if (!/\.ya?ml$/.test(path) || path.startsWith(".") || path === "cluster-repo.yaml") continue;
    // The repository's copies may be anything a pull request brought: read within the limits, broken documents left out.
    for (const document of parseDocuments(content, false)) {
      if (document.failure) continue;
      const object = document.data as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
      if (!object?.kind || object.kind === "Kustomization" && !object.metadata?.name) continue;
      const ns = object.metadata?.namespace ? `${object.metadata.namespace}/` : "";
      objects.set(`${object.kind} ${ns}${object.metadata?.name ?? "(unnamed)"}`, JSON.stringify(object));
    }
  }
  return objects;
}

async function terraformAddresses(tree: FileTree): Promise<Map<string, string>> {
  const addresses = new Map<string, string>();
  for (const [path, content] of tree) {
    if (!path.endsWith(".tf")) continue;
    let parsed: Record<string, any>;
    try {
      parsed = await parseHcl(path, content);
    } catch {
      continue;
    }
    for (const [blockType, prefix] of [["resource", ""], ["data", "data."], ["module", "module."]] as const) {
      for (const [type, byName] of Object.entries<any>(parsed[blockType] ?? {})) {
        if (blockType === "module") addresses.set(`module.${type}`, JSON.stringify(byName));
        else for (const [name, body] of Object.entries<any>(byName)) addresses.set(`${prefix}${type}.${name}`, JSON.stringify(body));
      }
    }
  }
  return addresses;
}

/** What a change does, at the level reviewers think in: files, Kubernetes objects and Terraform addresses. */
export async function summarizeChanges(before: FileTree, after: FileTree): Promise<ChangeSummary> {
  return {
    files: compare(before, after),
    kubernetes: compare(kubernetesObjects(before), kubernetesObjects(after)),
    terraform: compare(await terraformAddresses(before), await terraformAddresses(after)),
  };
}

export function formatSummary(summary: ChangeSummary): string {
  const section = (title: string, set: ChangeSet) => {
    const lines = [...set.added.map((x) => `  + ${x}`), ...set.changed.map((x) => `  ~ ${x}`), ...set.removed.map((x) => `  - ${x}`)];
    return lines.length ? `${title} (${set.added.length} added, ${set.changed.length} changed, ${set.removed.length} removed):\n${lines.join("\n")}\n` : "";
  };
  return section("Terraform resources", summary.terraform) + section("Kubernetes resources", summary.kubernetes) + section("Files", summary.files) || "No changes.\n";
}
