#!/usr/bin/env node
// Paired comparison of two builds of this package on the validate corpus (issue 28): `node bench/validate-ab.mjs
// <old checkout> <new checkout> [pairs=11] [--flags-a "..."] [--flags-b "..."]` (validate flags of each side, e.g.
// `--flags-a "--workers 1" --flags-b "--workers 2"`: both sides must still give the same report). Each checkout needs its dist/ built (a copy of dist/ and package.json with
// a node_modules link will do); the corpus is this checkout's .bench/corpus (bench/validate-generate.mjs writes it).
// Every round runs `validate --strict -o json` with the old build and the new one back to back, their order swapped
// every other round, and kubeconform -n 2 beside them when it is on PATH, so that all see the same load. Prints
// medians of wall time and of CPU-s (user + system, from /usr/bin/time), and the medians of the per-pair ratios.
// Both builds must give the same report, byte for byte. No goal is checked: see bench/validate-corpus.mjs.
// `--fresh-cache`: each run of ours gets an empty cache folder (XDG_CACHE_HOME), so that schemas from
// --schema-location are compiled in every run (the "cache empty" case of bench/validate-schema-location.mjs).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { findKubeconform } from "../dist/validators/kubeconform/index.js";
import { writeCorpus } from "./validate-generate.mjs";
import { median, root } from "./validate-measure.mjs";

const [A, B] = [process.argv[2], process.argv[3]];
const pairs = Number(process.argv[4]?.startsWith("--") ? 11 : (process.argv[4] ?? 11));
const flagsOf = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1].split(" ").filter(Boolean) : []);
const flags = { A: flagsOf("--flags-a"), B: flagsOf("--flags-b") };
if (!A || !B) {
  console.error("usage: node bench/validate-ab.mjs <old checkout> <new checkout> [pairs]");
  process.exit(2);
}
const corpus = join(root, ".bench", "corpus");
if (!existsSync(corpus)) writeCorpus(corpus, 400);
const schemas = join(root, "..", "shared", "schemas");
const kubeconform = findKubeconform();

const freshCache = process.argv.includes("--fresh-cache");

function timed(command, args, env = {}) {
  const child = spawnSync("/usr/bin/time", ["-f", "%e %U %S", command, ...args], { encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: "1", ...env } });
  const [wall, user, system] = child.stderr.trim().split("\n").pop().split(" ").map(Number);
  return { wall, cpu: user + system, status: child.status, stdout: child.stdout, stderr: child.stderr };
}
const ours = (checkout, extra) => {
  const cache = freshCache ? mkdtempSync(join(tmpdir(), "ccr-bench-cache-")) : undefined;
  try {
    const run = timed(process.execPath, [join(checkout, "dist", "cli", "main.js"), "validate", "--strict", ...extra, "-o", "json", corpus], cache ? { XDG_CACHE_HOME: cache } : {});
    if (run.status !== 0) throw new Error(`${checkout}: exit ${run.status}\n${run.stderr}`);
    return run;
  } finally {
    if (cache) rmSync(cache, { recursive: true, force: true });
  }
};
const peer = () =>
  timed(kubeconform, ["-strict", "-n", "2", "-summary", "-output", "json", "-kubernetes-version", "1.32.2", "-schema-location", join(schemas, "kubernetes"), "-schema-location", join(schemas, "crds", "{{.Group}}", "{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"), corpus]);

const samples = { A: [], B: [], kubeconform: [] };
const loadAtStart = loadavg()[0];
for (let i = 0; i < pairs; i++) {
  const order = i % 2 ? ["B", "A"] : ["A", "B"];
  const outputs = {};
  for (const key of order) {
    const run = ours(key === "A" ? A : B, flags[key]);
    outputs[key] = run.stdout;
    samples[key].push(run);
  }
  if (outputs.A !== outputs.B) throw new Error("the two builds give different reports");
  if (kubeconform) samples.kubeconform.push(peer());
}
const figure = (list) => `wall ${median(list.map((run) => run.wall)).toFixed(3)} s  cpu ${median(list.map((run) => run.cpu)).toFixed(3)} s`;
const pairedRatio = (field) => median(samples.A.map((a, i) => samples.B[i][field] / a[field])).toFixed(3);
console.log(`${pairs} pairs${freshCache ? ", each run of ours with an empty cache" : ""}; load ${loadAtStart.toFixed(2)} -> ${loadavg()[0].toFixed(2)}; same report from both builds`);
console.log(`A ${A} ${flags.A.join(" ")}: ${figure(samples.A)}`);
console.log(`B ${B} ${flags.B.join(" ")}: ${figure(samples.B)}   paired B/A: wall ${pairedRatio("wall")}, cpu ${pairedRatio("cpu")}`);
if (kubeconform) {
  const ratio = (key) => median(samples.kubeconform.map((k, i) => k.wall / samples[key][i].wall)).toFixed(2);
  console.log(`kubeconform -n 2: ${figure(samples.kubeconform)}   paired kubeconform/A wall ${ratio("A")}x, kubeconform/B wall ${ratio("B")}x`);
}
