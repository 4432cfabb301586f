#!/usr/bin/env node
/**
 * Benchmark of `validate` (not a test: figures depend on the machine and its load).
 *
 * 1. Writes a deterministic corpus of 20,000 resources in 400 multi-document files to .bench/corpus (git-ignored),
 *    a consistent GitOps repository (bench/validate-generate.mjs).
 * 2. Runs the built CLI, `validate --strict <corpus> -o json`, as a whole process (threads left automatic, then
 *    pinned to one and to two with --workers), and,
 *    in the same rounds (one run of each in turn, so that both see the same load), the peer: `kubeconform -strict -n 2`
 *    on PATH, with kubeconform-layout schemas of the same kinds (../shared/schemas, or --schemas DIR). Every resource
 *    must come out valid from both.
 * 3. Start-up: `validate --strict` of one small file, next to a bare `node -e 0`, in the same rounds; and the same
 *    with an empty code cache (a fresh XDG_CACHE_HOME: V8 compiles the validators' code, as on a first run).
 *
 * Prints each figure beside its goal (issue 28: 4x kubeconform -n 2, start-up under 0.15 s) and its peer: medians of
 * --runs N (default 5) runs. `--json` prints the figures as JSON instead.
 *
 * Needs a build (`npm run build`). Run: `node bench/validate-corpus.mjs [--runs N] [--schemas DIR] [--json]`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { findKubeconform } from "../dist/validators/kubeconform/index.js";
import { smallManifest, writeCorpus } from "./validate-generate.mjs";
import { kubernetesCounts, median, requireBuild, root, runValidate } from "./validate-measure.mjs";

requireBuild();
const option = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const runs = Number(option("--runs")) || 5;
const asJson = process.argv.includes("--json");
const schemas = option("--schemas") ?? join(root, "..", "shared", "schemas");
const KUBERNETES_VERSION = "1.32.2";
const GOALS = { throughputVsKubeconform: 4, startupSeconds: 0.15 };

const FILES = 400;
const corpus = join(root, ".bench", "corpus");
const resourceCount = writeCorpus(corpus, FILES);
const small = join(root, ".bench", "small.yaml");
mkdirSync(join(root, ".bench"), { recursive: true });
writeFileSync(small, smallManifest());

/** kubeconform on PATH, with schemas for the corpus's kinds (its default location downloads them: not offline). */
const kubeconformBinary = findKubeconform();
const kubeconformSchemas = existsSync(join(schemas, "kubernetes", `v${KUBERNETES_VERSION}-standalone-strict`)) ? schemas : undefined;
const peer = kubeconformBinary && kubeconformSchemas ? kubeconformBinary : undefined;

/** One run of kubeconform -strict -n 2 on the corpus: wall seconds, peak RSS and its verdicts. */
function runKubeconform() {
  const args = [
    "-strict", "-n", "2", "-summary", "-output", "json", "-kubernetes-version", KUBERNETES_VERSION,
    "-schema-location", join(kubeconformSchemas, "kubernetes"),
    "-schema-location", join(kubeconformSchemas, "crds", "{{.Group}}", "{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"),
    corpus,
  ];
  const timed = existsSync("/usr/bin/time");
  const start = process.hrtime.bigint();
  const child = timed ? spawnSync("/usr/bin/time", ["-f", "%M %P", peer, ...args], { encoding: "utf8", maxBuffer: 1 << 30 }) : spawnSync(peer, args, { encoding: "utf8", maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const summary = JSON.parse(child.stdout).summary ?? {};
  if (summary.valid !== resourceCount) throw new Error(`kubeconform did not find every resource valid: ${JSON.stringify(summary)}\n${child.stderr}`);
  const [rssKiB, cpu] = (child.stderr.trim().split("\n").pop() ?? "").split(" ");
  return { seconds, rssMiB: Number(rssKiB) / 1024 || undefined, cpuPercent: cpu ? Number(cpu.replace("%", "")) : undefined, command: `kubeconform ${args.join(" ").replace(`${root}/`, "")}` };
}

/** One run of this tool on the corpus; every resource must come out valid. */
function runOurs(extra) {
  const result = runValidate(["--strict", ...extra, "-o", "json", corpus]);
  const counts = kubernetesCounts(JSON.parse(result.stdout));
  if (result.status !== 0 || counts.resources !== resourceCount || counts.valid !== resourceCount) {
    throw new Error(`unexpected result (exit ${result.status}, ${JSON.stringify(counts)})\n${result.stderr}`);
  }
  return result;
}

function bareNode() {
  const start = process.hrtime.bigint();
  spawnSync(process.execPath, ["-e", "0"]);
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

function startup(env = {}) {
  const run = runValidate(["--strict", small], env);
  if (run.status !== 0) throw new Error(`small file: exit ${run.status}\n${run.stdout}${run.stderr}`);
  return run;
}

/** Start-up as on a first run: a cache folder of its own, empty (the validators' code is compiled, then stored). */
function startupColdCache() {
  const cacheHome = mkdtempSync(join(tmpdir(), "ccr-bench-cache-"));
  try {
    return startup({ XDG_CACHE_HOME: cacheHome });
  } finally {
    rmSync(cacheHome, { recursive: true, force: true });
  }
}

/** `rounds` times: one run of each measure in turn, so that each figure and its peer see the same load. */
function rounds(measures, count) {
  const samples = Object.fromEntries(Object.keys(measures).map((name) => [name, []]));
  for (let i = 0; i < count; i++) for (const [name, measure] of Object.entries(measures)) samples[name].push(measure());
  return samples;
}

function figure(samples) {
  const seconds = median(samples.map((sample) => sample.seconds));
  const rss = samples.map((sample) => sample.rssMiB).filter((value) => value !== undefined);
  return {
    command: samples[0].command,
    seconds: +seconds.toFixed(3),
    resourcesPerSecond: Math.round(resourceCount / seconds),
    ...(rss.length > 0 ? { peakRssMiB: +Math.max(...rss).toFixed(1) } : {}),
    // how much CPU the median run got: on a shared machine, below ~150% means the second core was busy elsewhere
    cpuPercentOfMedianRun: samples.find((sample) => sample.seconds === seconds)?.cpuPercent,
  };
}

const load = loadavg().map((value) => +value.toFixed(2));
const throughput = rounds({ allCores: () => runOurs([]), oneThread: () => runOurs(["--workers", "1"]), twoThreads: () => runOurs(["--workers", "2"]), ...(peer ? { kubeconform: runKubeconform } : {}) }, runs);
const start = rounds({ small: () => startup(), cold: startupColdCache, bare: bareNode }, runs * 2);

const results = {
  machine: `${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, node ${process.version}`,
  loadAverageAtStart: load,
  corpus: { files: FILES, resources: resourceCount, path: ".bench/corpus" },
  runsPerFigure: runs,
  strictAllCores: figure(throughput.allCores),
  strictOneThread: figure(throughput.oneThread),
  strictTwoThreads: figure(throughput.twoThreads),
  kubeconform: peer ? figure(throughput.kubeconform) : `not measured: ${kubeconformBinary ? `no kubeconform-layout schemas for Kubernetes ${KUBERNETES_VERSION} in ${schemas} (--schemas DIR)` : "no kubeconform binary on PATH"}`,
  coldStartSmallFile: {
    command: start.small[0].command,
    medianSeconds: +median(start.small.map((sample) => sample.seconds)).toFixed(3),
    codeCacheEmptyMedianSeconds: +median(start.cold.map((sample) => sample.seconds)).toFixed(3),
    bareNodeMedianSeconds: +median(start.bare.map((sample) => sample.seconds)).toFixed(3),
  },
};
if (peer) {
  results.allCoresVsKubeconform = +(results.kubeconform.seconds / results.strictAllCores.seconds).toFixed(2);
  results.twoThreadsVsKubeconform = +(results.kubeconform.seconds / results.strictTwoThreads.seconds).toFixed(2);
}

if (asJson) {
  console.log(JSON.stringify(results, null, 1));
} else {
  const verdict = (met) => (met ? "met" : "BELOW GOAL");
  console.log(`validate --strict on ${resourceCount.toLocaleString("en")} resources (${FILES} files), median of ${runs} runs; ${results.machine}; load at start ${load.join(" ")}`);
  const ours = results.strictAllCores;
  const peerText = peer ? `kubeconform -n 2: ${results.kubeconform.seconds.toFixed(2)} s` : results.kubeconform;
  const ratio = peer ? `${results.allCoresVsKubeconform}x` : "-";
  console.log(`  automatic      ${ours.seconds.toFixed(2)} s  ${String(ours.resourcesPerSecond).padStart(6)}/s  peak ${ours.peakRssMiB ?? "?"} MiB   ${peerText}   ${ratio}   goal >= ${GOALS.throughputVsKubeconform}x kubeconform${peer ? `   ${verdict(results.allCoresVsKubeconform >= GOALS.throughputVsKubeconform)}` : ""}`);
  const one = results.strictOneThread;
  console.log(`  one thread     ${one.seconds.toFixed(2)} s  ${String(one.resourcesPerSecond).padStart(6)}/s  peak ${one.peakRssMiB ?? "?"} MiB   CPU ${one.cpuPercentOfMedianRun ?? "?"}%`);
  const two = results.strictTwoThreads;
  console.log(`  two threads    ${two.seconds.toFixed(2)} s  ${String(two.resourcesPerSecond).padStart(6)}/s  peak ${two.peakRssMiB ?? "?"} MiB   CPU ${two.cpuPercentOfMedianRun ?? "?"}%${peer ? `   ${results.twoThreadsVsKubeconform}x kubeconform` : ""}`);
  const cold = results.coldStartSmallFile;
  console.log(`  start-up, one small file  ${cold.medianSeconds.toFixed(3)} s   node -e 0: ${cold.bareNodeMedianSeconds.toFixed(3)} s   goal < ${GOALS.startupSeconds} s   ${verdict(cold.medianSeconds < GOALS.startupSeconds)}`);
  console.log(`  the same, code cache empty (a first run)  ${cold.codeCacheEmptyMedianSeconds.toFixed(3)} s`);
}
