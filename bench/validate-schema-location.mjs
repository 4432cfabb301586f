#!/usr/bin/env node
/**
 * Benchmark of `validate --schema-location` against kubeconform on the same schema files (not a test: figures depend
 * on the machine and its load).
 *
 * Schemas: a kubeconform-layout folder (`<dir>/kubernetes/v<version>-standalone[-strict]/<kind>-<group>-<version>.json`)
 * and a CRD catalogue (`<dir>/crds/<group>/<kind>_<version>.json`), by default ../shared/schemas (Kubernetes 1.32.2
 * and the Flux/Argo CD kinds of the corpus); `--schemas DIR` to use others. Corpus: the 20,000 resources of
 * bench/validate-generate.mjs.
 *
 * Runs, each as a whole process, strict, all cores (median of --runs N):
 *   embedded            validate --strict (the precompiled schemas), for reference
 *   location-cold       validate --strict --schema-location ... with an empty compiled-schema cache (compiles)
 *   location-warm       the same again (compiled code loaded from the cache)
 *   kubeconform         kubeconform -strict -n 2 with the same locations (only when `kubeconform` is on PATH)
 *   engine-kubeconform  validate --strict --engine kubeconform with the same locations (idem)
 * and prints resources/s, peak RSS and each run's verdict counts side by side.
 *
 * Needs a build (`npm run build`). Run: `npm run bench:schema-location [-- --runs N] [-- --schemas DIR]`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { findKubeconform } from "../dist/validators/kubeconform/index.js";
import { writeCorpus } from "./validate-generate.mjs";
import { median, requireBuild, root, runValidate } from "./validate-measure.mjs";

requireBuild();
const option = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const runs = Number(option("--runs")) || 3;
const schemas = option("--schemas") ?? join(root, "..", "shared", "schemas");
const kubernetesVersion = option("--kubernetes-version") ?? "1.32.2";
if (!existsSync(join(schemas, "kubernetes", `v${kubernetesVersion}-standalone-strict`))) {
  console.error(`no kubeconform-layout schemas for Kubernetes ${kubernetesVersion} in ${join(schemas, "kubernetes")}: pass --schemas DIR (and --kubernetes-version)`);
  process.exit(2);
}
const locations = [join(schemas, "kubernetes"), join(schemas, "crds", "{{.Group}}", "{{.ResourceKind}}_{{.ResourceAPIVersion}}.json")];
const locationFlags = locations.flatMap((location) => ["--schema-location", location]);
const corpus = join(root, ".bench", "corpus");
const resourceCount = writeCorpus(corpus, 400);

/** Verdict counts of a JSON report (this tool's), Kubernetes resources only. */
function ourCounts(stdout) {
  const kubernetes = JSON.parse(stdout).resources.filter((resource) => resource.validator === "kubernetes");
  const count = (status) => kubernetes.filter((resource) => resource.status === status).length;
  return { resources: kubernetes.length, valid: count("valid"), invalid: count("invalid"), errors: count("error"), skipped: count("skipped") };
}

function figure(samples, counts) {
  const seconds = median(samples.map((sample) => sample.seconds));
  return {
    command: samples[0].command,
    seconds: +seconds.toFixed(3),
    resourcesPerSecond: Math.round(resourceCount / seconds),
    peakRssMiB: +Math.max(...samples.map((sample) => sample.rssMiB ?? 0)).toFixed(1),
    cpuPercentOfMedianRun: samples.find((sample) => sample.seconds === seconds)?.cpuPercent,
    verdicts: counts,
  };
}

/** The cache folder the bench was started with, for the runs that are given none of their own. */
const startingCacheHome = process.env.XDG_CACHE_HOME;

/** This tool's CLI, `runs` times; `fresh` gives each run an empty cache folder (XDG_CACHE_HOME). */
function ours(args, { fresh = false, cacheHome } = {}) {
  const samples = [];
  let counts;
  for (let i = 0; i < runs; i++) {
    const home = fresh ? mkdtempSync(join(tmpdir(), "ccr-bench-cache-")) : (cacheHome ?? startingCacheHome);
    // Assigning undefined would set the text "undefined": a cache folder of that name in the working directory.
    if (home === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = home;
    try {
      const result = runValidate(["--strict", "--no-gitops", ...args, "-o", "json", corpus]);
      if (result.status !== 0 && result.status !== 1) throw new Error(`validate exited ${result.status}\n${result.stderr}`);
      counts = ourCounts(result.stdout);
      samples.push(result);
    } finally {
      if (fresh) rmSync(home, { recursive: true, force: true });
    }
  }
  return figure(samples, counts);
}

function kubeconform(binary) {
  const args = ["-strict", "-n", "2", "-summary", "-output", "json", "-kubernetes-version", kubernetesVersion, ...locations.flatMap((l) => ["-schema-location", l]), corpus];
  const samples = [];
  let counts;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const timed = existsSync("/usr/bin/time") ? spawnSync("/usr/bin/time", ["-f", "%M %P", binary, ...args], { encoding: "utf8", maxBuffer: 1 << 30 }) : spawnSync(binary, args, { encoding: "utf8", maxBuffer: 1 << 30 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const [rssKiB, cpu] = (timed.stderr.trim().split("\n").pop() ?? "").split(" ");
    const summary = JSON.parse(timed.stdout).summary ?? {};
    counts = { resources: (summary.valid ?? 0) + (summary.invalid ?? 0) + (summary.errors ?? 0) + (summary.skipped ?? 0), ...summary };
    samples.push({ seconds, rssMiB: Number(rssKiB) / 1024 || undefined, cpuPercent: cpu ? Number(cpu.replace("%", "")) : undefined, command: `kubeconform ${args.join(" ")}` });
  }
  return figure(samples, counts);
}

const warmCache = mkdtempSync(join(tmpdir(), "ccr-bench-cache-"));
const results = {
  node: process.version,
  cores: availableParallelism(),
  loadAverageAtStart: loadavg().map((load) => +load.toFixed(2)),
  corpus: { files: 400, resources: resourceCount, path: ".bench/corpus" },
  schemas: { locations, kubernetesVersion },
  runsPerFigure: runs,
  embedded: ours([]),
  locationCold: ours(["--kubernetes-version", kubernetesVersion, ...locationFlags], { fresh: true }),
  locationWarm: (ours(["--kubernetes-version", kubernetesVersion, ...locationFlags], { cacheHome: warmCache }), ours(["--kubernetes-version", kubernetesVersion, ...locationFlags], { cacheHome: warmCache })),
};
rmSync(warmCache, { recursive: true, force: true });
const binary = findKubeconform();
if (binary) {
  results.kubeconform = kubeconform(binary);
  results.engineKubeconform = ours(["--engine", "kubeconform", "--kubernetes-version", kubernetesVersion, ...locationFlags]);
  results.locationWarmVsKubeconform = +(results.kubeconform.seconds / results.locationWarm.seconds).toFixed(2);
  results.locationColdVsKubeconform = +(results.kubeconform.seconds / results.locationCold.seconds).toFixed(2);
} else {
  results.kubeconform = "no kubeconform binary on PATH: not measured";
}
console.log(JSON.stringify(results, null, 1));
// The figure beside its goal (issue 28): with kubeconform's own schema files, at least as fast as kubeconform.
if (binary) {
  const met = (ratio) => (ratio >= 1 ? "met" : "BELOW GOAL");
  console.log(`--schema-location, compiled-schema cache warm: ${results.locationWarm.seconds.toFixed(2)} s, kubeconform -n 2: ${results.kubeconform.seconds.toFixed(2)} s, ${results.locationWarmVsKubeconform}x, goal >= 1x: ${met(results.locationWarmVsKubeconform)}`);
  console.log(`--schema-location, cache empty (compiles): ${results.locationCold.seconds.toFixed(2)} s, ${results.locationColdVsKubeconform}x kubeconform`);
}
