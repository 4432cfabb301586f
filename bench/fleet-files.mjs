#!/usr/bin/env node
/**
 * `node bench/fleet-files.mjs [clusters...]`: the size of a Flux fleet's repository as add-cluster lays it out
 * (blueprints in turn, monitoring on, environments alternating), rendered through the library: every file, and the
 * add-on layers (infrastructure/, infrastructure-after-secrets/ and the add-on bases environments/_bases/<add-on>/), and
 * the workload layers (apps/ and the workload bases environments/_bases/_apps/). Counts, not times: they do not depend
 * on the machine's load.
 *
 *   node bench/fleet-files.mjs 2 10 50
 *   CCR_DIST=/path/to/other/dist node bench/fleet-files.mjs 50     another build (e.g. the release before the bases)
 *   CCR_GITOPS=argo node bench/fleet-files.mjs 50                  a fleet of Argo CD clusters
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dist = process.env.CCR_DIST ?? join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const { renderBlueprint } = await import(join(dist, "render-blueprint.js"));
const { blueprintIds } = await import(join(dist, "blueprints", "registry.js"));
const { basesOf } = await import(join(dist, "fleet", "shared-bases.js"));
const { loadCatalog } = await import(join(dist, "catalog", "load.js"));
// A build before the workload bases has no such module: its clusters keep their workloads' copies.
const { renderWorkloadBases } = await import(join(dist, "fleet", "workload-bases.js")).catch(() => ({ renderWorkloadBases: () => [] }));
const catalog = loadCatalog();
const sizes = process.argv.slice(2).map(Number);
// CCR_GITOPS=argo: a fleet of Argo CD clusters instead (their add-on Applications are in clusters/<name>/argocd/apps/).
const gitops = process.env.CCR_GITOPS ?? "flux";
const ids = blueprintIds();
const bytes = (files) => files.reduce((sum, [, content]) => sum + Buffer.byteLength(content), 0);

for (const size of sizes.length ? sizes : [2, 10, 50]) {
  const files = new Map();
  for (let i = 0; i < size; i++) {
    const name = `c${String(i).padStart(3, "0")}`;
    const values = { clusterName: name, gitops, repoUrl: "https://github.com/acme/fleet.git", addons: { monitoring: { enabled: true } } };
    const { tree, context } = await renderBlueprint(ids[i % ids.length], { values }, { root: i === 0 ? "" : `fleet/${name}/`, environment: i % 2 ? "staging" : "production" });
    for (const [path, content] of tree) files.set(path, content);
    // The bases an added cluster lists, as add-cluster writes them where missing (the first cluster's render holds them).
    if (i > 0) for (const [path, content] of [...basesOf(context, catalog), ...renderWorkloadBases(context.blueprint.id)]) if (!files.has(path)) files.set(path, content);
  }
  const addons = [...files].filter(([path]) => /(^|\/)infrastructure(-after-secrets)?\//.test(path) || /^clusters\/[^/]+\/argocd\/apps\//.test(path) || (path.startsWith("environments/_bases/") && !path.startsWith("environments/_bases/_apps/")));
  const apps = [...files].filter(([path]) => /^(fleet\/[^/]+\/)?apps\//.test(path) || path.startsWith("environments/_bases/_apps/"));
  console.log(`${size} clusters: ${files.size} files, ${bytes([...files])} bytes; add-on layers ${addons.length} files, ${bytes(addons)} bytes; workload layers ${apps.length} files, ${bytes(apps)} bytes`);
}
