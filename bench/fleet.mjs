#!/usr/bin/env node
/**
 * `npm run bench:fleet`: fleets of growing size (default 5, 10, 25, 50 clusters, blueprints in turn) in one
 * repository, as add-cluster lays them out (src/fleet/layout.ts), each cluster rendered through the library, then
 * the built CLI over the whole fleet: `validate --strict`, `check` and `plan --all`, and `plan` and `update` of the first
 * cluster (whose render reads every cluster's answers for the repository-wide files). Prints wall time per command and
 * per cluster; target: linear in the clusters, i.e. the time per cluster of the largest fleet at most
 * LINEAR_SLACK times that of the smallest.
 *
 *   node bench/fleet.mjs                         sizes 5,10,25,50
 *   BENCH_SIZES=5,50 node bench/fleet.mjs        other sizes
 *   CCR_CLI=/path/to/main.js node bench/...      another build's CLI (the fleets are laid out by this checkout)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = process.env.CCR_CLI ?? join(root, "dist", "cli", "main.js");
const sizes = (process.env.BENCH_SIZES ?? "5,10,25,50").split(",").map(Number);
const LINEAR_SLACK = 1.5;

const { renderBlueprint } = await import(join(root, "dist", "render-blueprint.js"));
const { blueprintIds } = await import(join(root, "dist", "blueprints", "registry.js"));
const { addedClusterRoot, FLEET_FILE } = await import(join(root, "dist", "fleet", "layout.js"));
const { renderFleetFile } = await import(join(root, "dist", "fleet", "fleet-file.js"));
const { fleetCiForRoot } = await import(join(root, "dist", "fleet", "ci.js"));
const { overlayPathOf, overlayTextAfterRender } = await import(join(root, "dist", "fleet", "environment-overlay.js"));
const environments = ["staging", "production"];

const work = mkdtempSync(join(tmpdir(), "ccr-bench-fleet-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const repoUrl = "https://github.com/acme/fleet.git";
const git = (dir, ...args) => execFileSync("git", ["-C", dir, "-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], { encoding: "utf8" });

async function makeFleet(size) {
  const dir = join(work, `fleet-${size}`);
  const ids = blueprintIds();
  const clusters = new Map();
  // Each environment's overlay of chart versions, as add-cluster leaves it (src/fleet/environment-overlay.ts).
  const overlays = new Map();
  let firstPaths = [];
  const started = performance.now();
  for (let i = 0; i < size; i++) {
    const name = `c${String(i).padStart(3, "0")}`;
    const rootDir = i === 0 ? "" : addedClusterRoot(name);
    const environment = i % 2 === 0 ? "production" : "staging";
    const { tree, context } = await renderBlueprint(ids[i % ids.length], { values: { clusterName: name, repoUrl } }, { root: rootDir, environment });
    if (i === 0) firstPaths = [...tree.keys()];
    for (const [path, content] of tree) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const overlay = overlayTextAfterRender(overlays.get(overlayPathOf(environment)), environments, context);
    if (overlay !== undefined) overlays.set(overlayPathOf(environment), overlay);
    clusters.set(name, environment);
  }
  for (const [path, content] of overlays) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const renderSeconds = (performance.now() - started) / 1000;
  writeFileSync(join(dir, FLEET_FILE), renderFleetFile({ environments, promotable: [], clusters, removing: [] }));
  // The first cluster's render owns the repository-wide files, which know the fleet (its CI, the shared bases its
  // clusters list): rendered again once fleet.yaml and every answers file exist, as add-cluster leaves it.
  const first = await renderBlueprint(ids[0], { values: { clusterName: "c000", repoUrl } }, { root: "", environment: "production", fleet: fleetCiForRoot(dir, "") });
  for (const path of firstPaths) if (!first.tree.has(path)) rmSync(join(dir, path));
  for (const [path, content] of first.tree) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", `A fleet of ${size}`);
  return { dir, renderSeconds };
}

function timed(args) {
  const started = performance.now();
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) {
    console.error(`${args.join(" ")}: exit ${run.status}\n${run.stderr.slice(0, 2000)}\n${run.stdout.slice(-2000)}`);
    process.exit(1);
  }
  return seconds;
}

const rows = [];
for (const size of sizes) {
  const { dir, renderSeconds } = await makeFleet(size);
  const row = {
    size,
    render: renderSeconds,
    validate: timed(["validate", dir, "--strict"]),
    check: timed(["check", dir]),
    plan: timed(["plan", dir, "--all", "-o", "json"]),
    // The first cluster alone: its render knows every cluster's add-ons (the shared bases), so it grows with the fleet too.
    planFirst: timed(["plan", dir, "-o", "json"]),
    updateFirst: timed(["update", dir]),
  };
  rows.push(row);
  const per = (s) => `${s.toFixed(1)} s (${((s / size) * 1000).toFixed(0)} ms/cluster)`;
  console.log(
    `${String(size).padStart(3)} clusters: render ${per(row.render)}, validate ${per(row.validate)}, check ${per(row.check)}, plan --all ${per(row.plan)}, ` +
      `plan (first cluster) ${per(row.planFirst)}, update (first cluster, up to date) ${per(row.updateFirst)}`,
  );
}
if (rows.length > 1) {
  const [small, large] = [rows[0], rows.at(-1)];
  let ok = true;
  for (const key of ["render", "validate", "check", "plan", "planFirst", "updateFirst"]) {
    const ratio = large[key] / large.size / (small[key] / small.size);
    ok &&= ratio <= LINEAR_SLACK;
    console.log(`${key}: per-cluster time at ${large.size} is ${ratio.toFixed(2)}x that at ${small.size} (target <= ${LINEAR_SLACK})`);
  }
  process.exitCode = ok ? 0 : 1;
}
