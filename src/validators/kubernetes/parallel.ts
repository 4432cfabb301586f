import { existsSync, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { packageRoot } from "../../_utils.js";
import type { UnitResult } from "../types.js";
import { createKubernetesValidator, type KubernetesValidatorOptions } from "./validator.js";

/** Options of {@link validateFilesParallel}. */
export interface ParallelOptions {
  /** Upper bound on worker threads. Default: the machine's available parallelism. */
  workers?: number;
  /**
   * Below this many bytes of input everything runs in the calling thread: a worker costs its own start-up (modules,
   * validator bundles) and the copy of its results, which only pays off on large inputs. Default 8 MiB.
   */
  minBytesForWorkers?: number;
}

/** Messages between {@link validateFilesParallel} and worker.js. */
export interface WorkerTask {
  paths: string[];
  options: KubernetesValidatorOptions;
}
/** Results travel as JSON text: cheaper to copy between threads than a structured clone of many small objects. */
export type WorkerReply = { ok: true; json: string } | { ok: false; error: string };

// From the package root, not from this module: the CLI runs a bundle that lives elsewhere, the worker stays in dist/.
const workerUrl = pathToFileURL(join(packageRoot, "dist", "validators", "kubernetes", "worker.js"));

/**
 * Validates files from disk, spreading them over worker threads when the input is large. Results come back in the
 * order of `paths` (each file's results in document order); `file` is the path as given, with POSIX separators.
 */
export async function validateFilesParallel(paths: string[], options: KubernetesValidatorOptions = {}, parallel: ParallelOptions = {}): Promise<UnitResult[]> {
  const workers = Math.min(parallel.workers ?? availableParallelism(), paths.length);
  const sized = paths.map((path, position) => ({ path, position, size: sizeOf(path) }));
  const bytes = sized.reduce((total, entry) => total + entry.size, 0);
  // Without a compiled worker.js (TypeScript sources before a build) everything stays in this thread.
  if (workers < 2 || bytes < (parallel.minBytesForWorkers ?? 8 * 1024 * 1024) || !existsSync(fileURLToPath(workerUrl))) {
    return (await validatePaths(paths, options)).flat();
  }
  // Largest files first, each to the least loaded worker, so that the workers finish at about the same time.
  const shares = Array.from({ length: workers }, () => ({ bytes: 0, entries: [] as typeof sized }));
  for (const entry of sized.sort((a, b) => b.size - a.size)) {
    const share = shares.reduce((least, candidate) => (candidate.bytes < least.bytes ? candidate : least));
    share.bytes += entry.size;
    share.entries.push(entry);
  }
  const perFile: UnitResult[][] = new Array(paths.length);
  // This thread takes the first share itself: one worker start-up fewer.
  await Promise.all(
    shares.map(async ({ entries }, i) => {
      const task = { paths: entries.map((entry) => entry.path), options };
      const results = i === 0 ? await validatePaths(task.paths, task.options) : await runWorker(task);
      entries.forEach((entry, j) => (perFile[entry.position] = results[j] ?? []));
    }),
  );
  return perFile.flat();
}

/** Validates files in this thread, one result list per path; an unreadable file gives one "error" result. */
export async function validatePaths(paths: string[], options: KubernetesValidatorOptions): Promise<UnitResult[][]> {
  const validator = await createKubernetesValidator(options);
  const results: UnitResult[][] = [];
  for (const path of paths) {
    const file = path.replace(/\\/g, "/");
    let content: string;
    try {
      // Synchronous reads: a batch of small files reads faster this way than through the promise API.
      content = readFileSync(path, "utf8");
    } catch (error) {
      const message = `cannot read ${file}: ${(error as Error).message}`;
      results.push([{ file, validator: "kubernetes", status: "error", problems: [{ file, rule: "k8s-read-error", message, severity: "error" }] }]);
      continue;
    }
    results.push(await validator.validateFile({ path: file, content }));
  }
  return results;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function runWorker(task: WorkerTask): Promise<UnitResult[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: task });
    worker.once("message", (reply: WorkerReply) => {
      if (reply.ok) resolve(JSON.parse(reply.json) as UnitResult[][]);
      else reject(new Error(reply.error));
      void worker.terminate();
    });
    worker.once("error", reject);
  });
}
