#!/usr/bin/env node
// `npm run bench`: whole-process wall times, median of N runs, on this machine. Targets (2-core CI machine):
// full create (render, validate, write, commit) < 1 s per blueprint; --help < 0.3 s. Validation throughput
// is measured by bench/validate-corpus.mjs, run at the end.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "dist", "cli", "main.js");
const runs = Number(process.env.BENCH_RUNS ?? 7);

function time(args, { expectExit = 0 } = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, CI: "true" } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== expectExit) throw new Error(`create-cluster-repo ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return seconds;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const rows = [];
rows.push({ case: "--help", target: 0.3, median: median(Array.from({ length: runs }, () => time(["--help"]))) });
// Every blueprint the package ships, as the CLI lists them.
const blueprints = JSON.parse(spawnSync(process.execPath, [cli, "blueprints", "--json"], { encoding: "utf8" }).stdout).map((b) => b.id);
for (const blueprint of blueprints) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), "ccr-bench-"));
    try {
      samples.push(time(["--blueprint", blueprint, "--yes", join(dir, "repo")]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  rows.push({ case: `create ${blueprint}`, target: 1.0, median: median(samples) });
}
// With every add-on of the catalog that the blueprint can run switched on (each tried alone first, --dry-run).
const addons = JSON.parse(spawnSync(process.execPath, [cli, "addons", "--json"], { encoding: "utf8" }).stdout).addons.map((a) => a.name);
for (const blueprint of blueprints) {
  const runnable = addons.filter((name) => spawnSync(process.execPath, [cli, "--blueprint", blueprint, "--yes", "--dry-run", "--set", `addons.${name}.enabled=true`, join(tmpdir(), "ccr-bench-dry")], { encoding: "utf8", env: { ...process.env, CI: "true" } }).status === 0);
  const sets = runnable.flatMap((name) => ["--set", `addons.${name}.enabled=true`]);
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), "ccr-bench-"));
    try {
      samples.push(time(["--blueprint", blueprint, "--yes", ...sets, join(dir, "repo")]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  rows.push({ case: `create ${blueprint} +${runnable.length} add-ons`, target: 1.0, median: median(samples) });
}

console.log(`create-cluster-repo benchmark (median of ${runs} runs, node ${process.version})`);
for (const row of rows) {
  const verdict = row.median <= row.target ? "ok" : "OVER TARGET";
  console.log(`${row.case.padEnd(40)} ${row.median.toFixed(3)} s   target < ${row.target} s   ${verdict}`);
}

const corpus = join(root, "bench", "validate-corpus.mjs");
if (existsSync(corpus) && !process.env.BENCH_SKIP_VALIDATE) {
  console.log("\nvalidate throughput and start-up, beside kubeconform (when on PATH) and node -e 0:");
  spawnSync(process.execPath, [corpus], { stdio: "inherit" });
  console.log("\nvalidate --schema-location with kubeconform's own schema files, beside kubeconform (when on PATH):");
  spawnSync(process.execPath, [join(root, "bench", "validate-schema-location.mjs")], { stdio: "inherit" });
}

const hostileTerraform = join(root, "bench", "terraform-hostile.mjs");
if (!process.env.BENCH_SKIP_HOSTILE) {
  console.log("");
  spawnSync(process.execPath, [hostileTerraform], { stdio: "inherit" });
}
