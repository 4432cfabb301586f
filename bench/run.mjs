#!/usr/bin/env node
// `npm run bench`: whole-process wall times of the commands a person waits for, medians of N rounds, each beside its
// goal and beside a bare `node -e 0` measured in the same rounds (issue 28: `create`, `plan`, `check` and `update`
// of a generated repository under 0.5 s and under 5x `node -e 0` on 2 quiet cores; `--help` under 0.3 s). A round
// runs every measure once in turn (A B A B...), so that each figure and its peer see the same load. Then validate's
// throughput and start-up beside kubeconform (bench/validate-corpus.mjs) and the hostile-input timings.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "dist", "cli", "main.js");
const runs = Number(process.env.BENCH_RUNS ?? 7);
const GOALS = { commandSeconds: 0.5, commandVsNode: 5, helpSeconds: 0.3 };
const env = { ...process.env, CI: "true", NO_COLOR: "1" };

function time(args, { cwd, expectExit = 0 } = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8", env });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== expectExit) throw new Error(`create-cluster-repo ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return seconds;
}

function bareNode() {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, ["-e", "0"]);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Every blueprint the package ships, as the CLI lists them; the repository URL is set, as a real create has it.
const blueprints = JSON.parse(spawnSync(process.execPath, [cli, "blueprints", "--json"], { encoding: "utf8" }).stdout).map((b) => b.id);
const work = mkdtempSync(join(tmpdir(), "ccr-bench-"));
const measures = { "node -e 0": bareNode, "--help": () => time(["--help"]) };
for (const blueprint of blueprints) {
  const repo = join(work, blueprint);
  const createArgs = (dir) => ["--blueprint", blueprint, "--yes", "--set", `repoUrl=https://github.com/bench/${blueprint}.git`, dir];
  time(createArgs(repo)); // the repository plan, check and update run in
  let n = 0;
  measures[`create ${blueprint}`] = () => {
    const dir = join(work, `${blueprint}-${n++}`);
    try {
      return time(createArgs(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  measures[`plan ${blueprint}`] = () => time(["plan"], { cwd: repo });
  measures[`check ${blueprint}`] = () => time(["check"], { cwd: repo });
  // nothing to change: the render, the 3-way merge and validation run, and nothing is committed
  measures[`update ${blueprint}`] = () => time(["update"], { cwd: repo });
}
// create with every add-on of the catalog that the blueprint can run switched on (each tried alone first, --dry-run).
const addons = JSON.parse(spawnSync(process.execPath, [cli, "addons", "--json"], { encoding: "utf8" }).stdout).addons.map((a) => a.name);
for (const blueprint of blueprints) {
  const runnable = addons.filter((name) => spawnSync(process.execPath, [cli, "--blueprint", blueprint, "--yes", "--dry-run", "--set", `addons.${name}.enabled=true`, join(tmpdir(), "ccr-bench-dry")], { encoding: "utf8", env }).status === 0);
  const sets = runnable.flatMap((name) => ["--set", `addons.${name}.enabled=true`]);
  let n = 0;
  measures[`create ${blueprint} +${runnable.length} add-ons`] = () => {
    const dir = join(work, `${blueprint}-addons-${n++}`);
    try {
      return time(["--blueprint", blueprint, "--yes", "--set", `repoUrl=https://github.com/bench/${blueprint}.git`, ...sets, dir]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const load = loadavg().map((value) => +value.toFixed(2));
const samples = Object.fromEntries(Object.keys(measures).map((name) => [name, []]));
try {
  for (let round = 0; round < runs; round++) for (const [name, measure] of Object.entries(measures)) samples[name].push(measure());
} finally {
  rmSync(work, { recursive: true, force: true });
}
const node = median(samples["node -e 0"]);
console.log(`create-cluster-repo benchmark: median of ${runs} rounds; ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, node ${process.version}; load ${load.join(" ")} at start, ${loadavg().map((value) => value.toFixed(2)).join(" ")} at end`);
console.log(`${"node -e 0".padEnd(30)} ${node.toFixed(3)} s   (the peer of every figure below)`);
for (const [name, values] of Object.entries(samples)) {
  if (name === "node -e 0") continue;
  const seconds = median(values);
  const ratio = seconds / node;
  const help = name === "--help";
  const met = help ? seconds < GOALS.helpSeconds : seconds < GOALS.commandSeconds && ratio < GOALS.commandVsNode;
  const goal = help ? `goal < ${GOALS.helpSeconds} s` : `goal < ${GOALS.commandSeconds} s and < ${GOALS.commandVsNode}x node`;
  console.log(`${name.padEnd(30)} ${seconds.toFixed(3)} s   ${ratio.toFixed(1).padStart(4)}x node   ${goal.padEnd(34)} ${met ? "met" : "NOT MET"}`);
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
