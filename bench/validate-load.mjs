#!/usr/bin/env node
/**
 * Load benchmark of `validate` (issue #5: a 100,000-resource corpus validates in bounded memory, streaming).
 *
 * Writes 100,000 resources (2,000 files x 50 documents, a consistent GitOps repository: bench/validate-generate.mjs)
 * to a temporary folder, runs the built CLI, `validate --strict <dir> -o json`, as a child process, and reports wall
 * time, resources/s and peak RSS. Every resource must come out valid. The folder is removed at the end.
 *
 * Needs a build (`npm run build`). Run: `node bench/validate-load.mjs [--files N] [--workers N]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { PER_FILE, writeCorpus } from "./validate-generate.mjs";
import { kubernetesCounts, requireBuild, runValidate } from "./validate-measure.mjs";

requireBuild();
const option = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const files = Number(option("--files") ?? 2000);
const workers = option("--workers");
const dir = mkdtempSync(join(tmpdir(), "ccr-validate-load-"));
try {
  const started = process.hrtime.bigint();
  const resources = writeCorpus(join(dir, "repo"), files);
  const generateSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const run = runValidate(["--strict", ...(workers ? ["--workers", workers] : []), "-o", "json", join(dir, "repo")]);
  let counts;
  try {
    counts = kubernetesCounts(JSON.parse(run.stdout));
  } catch {
    throw new Error(`no JSON report (exit ${run.status}): ${run.stderr.slice(0, 2000)}`);
  }
  if (run.status !== 0 || counts.resources !== resources || counts.valid !== resources) {
    throw new Error(`unexpected result (exit ${run.status}, ${JSON.stringify(counts)})\n${run.stderr.slice(0, 2000)}`);
  }
  console.log(
    JSON.stringify(
      {
        node: process.version,
        cores: availableParallelism(),
        loadAverageAtStart: loadavg().map((load) => +load.toFixed(2)),
        corpus: { files, documentsPerFile: PER_FILE, resources, generateSeconds: +generateSeconds.toFixed(1) },
        command: run.command.replace(dir, "$TMP"),
        exit: run.status,
        seconds: +run.seconds.toFixed(2),
        resourcesPerSecond: Math.round(resources / run.seconds),
        peakRssMiB: +run.rssMiB.toFixed(1),
        // above 100: more than one core was used; on a shared machine it shows whether the second core was free
        cpuPercent: run.cpuPercent,
        jsonReportMiB: +(Buffer.byteLength(run.stdout) / 1048576).toFixed(1),
      },
      null,
      1,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
