#!/usr/bin/env node
/**
 * Benchmark of `validate` (not a test: figures depend on the machine).
 *
 * 1. Writes a deterministic corpus of 20,000 resources in 400 multi-document files to .bench/corpus (git-ignored),
 *    a consistent GitOps repository (bench/validate-generate.mjs).
 * 2. Runs the built CLI, `validate --strict <corpus> -o json`, as a whole process (all cores, then one thread):
 *    resources/s and peak RSS. Every resource must come out valid.
 * 3. Cold start: `validate --strict` of one small file, median of several runs, next to a bare `node -e 0`.
 *
 * Needs a build (`npm run build`). Run: `node bench/validate-corpus.mjs [--runs N]`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { smallManifest, writeCorpus } from "./validate-generate.mjs";
import { kubernetesCounts, median, requireBuild, root, runValidate } from "./validate-measure.mjs";

requireBuild();
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 5;
const FILES = 400;
const corpus = join(root, ".bench", "corpus");
const resourceCount = writeCorpus(corpus, FILES);
const small = join(root, ".bench", "small.yaml");
mkdirSync(join(root, ".bench"), { recursive: true });
writeFileSync(small, smallManifest());

function throughput(extra) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const result = runValidate(["--strict", ...extra, "-o", "json", corpus]);
    const counts = kubernetesCounts(JSON.parse(result.stdout));
    if (result.status !== 0 || counts.resources !== resourceCount || counts.valid !== resourceCount) {
      throw new Error(`unexpected result (exit ${result.status}, ${JSON.stringify(counts)})\n${result.stderr}`);
    }
    samples.push(result);
  }
  const seconds = median(samples.map((s) => s.seconds));
  return {
    command: samples[0].command,
    seconds: +seconds.toFixed(3),
    resourcesPerSecond: Math.round(resourceCount / seconds),
    peakRssMiB: +Math.max(...samples.map((s) => s.rssMiB)).toFixed(1),
    // how much CPU the median run got: on a shared machine, below ~150% means the second core was busy elsewhere
    cpuPercentOfMedianRun: samples.find((s) => s.seconds === seconds)?.cpuPercent,
  };
}

const coldSamples = [];
const bareSamples = [];
for (let i = 0; i < runs * 2; i++) {
  const cold = runValidate(["--strict", small]);
  if (cold.status !== 0) throw new Error(`small file: exit ${cold.status}\n${cold.stdout}${cold.stderr}`);
  coldSamples.push(cold.seconds);
  const start = process.hrtime.bigint();
  spawnSync(process.execPath, ["-e", "0"]);
  bareSamples.push(Number(process.hrtime.bigint() - start) / 1e9);
}

const results = {
  node: process.version,
  cores: availableParallelism(),
  loadAverageAtStart: loadavg().map((load) => +load.toFixed(2)),
  corpus: { files: FILES, resources: resourceCount, path: ".bench/corpus" },
  strictAllCores: throughput([]),
  strictOneThread: throughput(["--workers", "1"]),
  coldStartSmallFile: {
    command: runValidate(["--strict", small]).command,
    medianSeconds: +median(coldSamples).toFixed(3),
    bareNodeMedianSeconds: +median(bareSamples).toFixed(3),
    overBareNodeSeconds: +(median(coldSamples) - median(bareSamples)).toFixed(3),
  },
  runsPerFigure: runs,
};
console.log(JSON.stringify(results, null, 1));
