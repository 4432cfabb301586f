import { existsSync, statSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setImmediate as yieldToEvents } from "node:timers/promises";
import { packageRoot } from "../../_utils.js";
import { codeCacheDir, codeCacheUse } from "../../code-cache.js";
import { digestDocument, isYamlFile, type ManifestDigest } from "../gitops/index.js";
import { readTextFile, type TextRead } from "../read-text.js";
import type { UnitResult } from "../types.js";
import type { PatchSpec } from "./patch.js";
import { createKubernetesValidator, type KubernetesValidator, type KubernetesValidatorOptions } from "./validator.js";

/** Options of {@link validateFilesParallel} and {@link validateFileStream}. */
export interface ParallelOptions {
  /**
   * Threads, this one included: that many whenever the input makes more than one batch (a user's pin, and what tests
   * use). Default: automatic, see {@link automaticThreads}.
   */
  workers?: number;
  /** Automatic threads only: below this many bytes of input, one thread. @default {@link AUTO_MIN_BYTES} */
  minBytesForWorkers?: number;
}

/** Options of {@link validateFileStream}. */
export interface StreamOptions extends ParallelOptions {
  /** Folder the paths are relative to; results name files by the path as given. Default: the working directory. */
  root?: string;
  /** Also return the GitOps digest of every YAML file (its documents' identities, lines and Flux/Argo objects). */
  digests?: boolean;
  /** Files held in memory: read through this, in this thread (no worker threads), instead of from disk. */
  read?: (path: string) => string | undefined;
  /** Files kustomize reads as patches (by path as given), validated as patches of their target and never digested. */
  patches?: Record<string, PatchSpec>;
}

/** What one file gave: its Kubernetes results, and its GitOps digest when asked for. */
export interface FileOutcome {
  results: UnitResult[];
  digests?: ManifestDigest[];
}

/** Set up once per worker thread (workerData). */
export interface WorkerSetup {
  options: KubernetesValidatorOptions;
  root: string | undefined;
  digests: boolean;
  patches?: Record<string, PatchSpec>;
  /** The folder of the starting thread's code cache (src/code-cache.ts), when it is on: the worker uses it too. */
  codeCache?: string;
  /** The starting thread's use of the code cache (its command): scripts both threads load share their entries. */
  codeCacheUse?: string;
}
/**
 * A batch of files for a worker, and its answer. Results travel as JSON text (cheaper to copy than a structured
 * clone); digests by structured clone, which copies a node that aliases share once, as the parser made it: JSON
 * would write it out at every alias, expanding the document.
 */
export interface WorkerTask {
  id: number;
  paths: string[];
}
/** What a worker is sent: a batch, or "done" when there are no more. */
export type WorkerMessage = WorkerTask | "done";
export type WorkerReply = { id: number; ok: true; json: string; digests: (ManifestDigest[] | undefined)[] } | { id: number; ok: false; error: string };

/** A batch's outcomes as a worker sends them (see WorkerReply). */
export function toReply(id: number, outcomes: FileOutcome[]): WorkerReply {
  return { id, ok: true, json: JSON.stringify(outcomes.map((outcome) => outcome.results)), digests: outcomes.map((outcome) => outcome.digests) };
}

/** The outcomes a worker's reply carries. */
function fromReply(reply: Extract<WorkerReply, { ok: true }>): FileOutcome[] {
  const results = JSON.parse(reply.json) as UnitResult[][];
  return results.map((list, i) => {
    const digests = reply.digests[i];
    return digests ? { results: list, digests } : { results: list };
  });
}

// From the package root, not from this module: the CLI runs a bundle that lives elsewhere, the worker stays in dist/.
const workerUrl = pathToFileURL(join(packageRoot, "dist", "validators", "kubernetes", "worker.js"));

/**
 * Files go to the threads in batches of about this size: small enough that memory holds only a few files' text at
 * a time and the threads finish together, large enough that messages cost little next to the validation.
 */
const BATCH_BYTES = 256 * 1024;
const BATCH_FILES = 32;
/** Batches queued per worker, so that it never waits for this thread (busy with its own batch) to send the next. */
const IN_FLIGHT = 2;

/**
 * Validates files from disk, spreading them over worker threads when the input is large, and hands each file's
 * outcome to `onFile` as soon as it is done (in any order; `position` is the file's index in `paths`). Only one
 * batch of file text per thread is in memory at a time: callers keep what they need from the outcomes and nothing
 * else, which is what lets very large repositories stream through.
 */
export async function validateFileStream(
  paths: string[],
  options: KubernetesValidatorOptions,
  stream: StreamOptions,
  onFile: (position: number, outcome: FileOutcome) => void,
): Promise<void> {
  const setup: WorkerSetup = { options, root: stream.root, digests: stream.digests ?? false, patches: stream.patches, codeCache: codeCacheDir(), codeCacheUse: codeCacheUse() };
  const { read } = stream;
  const sized = paths.map((path, position) => ({ path, position, size: read ? 0 : sizeOf(stream.root ? join(stream.root, path) : path) }));
  const batches = toBatches(sized);
  let next = 0;
  const take = () => (next < batches.length ? batches[next++] : undefined);
  const deliver = (batch: typeof sized, outcomes: FileOutcome[]) => batch.forEach((entry, i) => onFile(entry.position, outcomes[i] ?? { results: [] }));

  // Files held in memory are read in this thread; without a compiled worker.js (TypeScript sources before a build)
  // everything stays in it too.
  const threads = read || batches.length < 2 ? 1 : Math.min(stream.workers ?? automaticThreads(sized, stream.minBytesForWorkers ?? AUTO_MIN_BYTES), batches.length);
  const pool = threads >= 2 && existsSync(fileURLToPath(workerUrl)) ? Array.from({ length: threads - 1 }, () => runWorker(setup, take, deliver)) : [];
  // A worker that fails is reported by the Promise.all below; until then its rejection must not count as unhandled.
  for (const worker of pool) worker.catch(() => undefined);
  // After the workers are started: they start up while this thread builds its own validator.
  const validator = await createKubernetesValidator(options);
  // This thread takes batches too (one worker start-up fewer), letting worker replies in between its batches.
  for (let batch = take(); batch; batch = take()) {
    const batchPaths = batch.map((entry) => entry.path);
    deliver(batch, await (read ? validateBatch(validator, setup, batchPaths, (file) => readFromMemory(read, file)) : validateBatchFromDisk(validator, setup, batchPaths)));
    if (pool.length > 0) await yieldToEvents();
  }
  await Promise.all(pool);
}

/**
 * Input size from which automatic threads may start a worker. A worker costs CPU this thread does not: its start-up
 * (about 0.05 CPU-s with the worker bundle and the code cache), V8 compiling the same hot functions again for its
 * own isolate, and the copy of its results back (structured clone and JSON: about a third of what validating them
 * costs). On 2 cores (bench/validate-ab.mjs --flags-b "--workers 2") a worker added 0.23 CPU-s to a 4.4 MB
 * repository (+37%) and 0.25-0.3 CPU-s to the 8.7 MB corpus (+25-30%): below 8 MiB a repository keeps one
 * thread's CPU time.
 */
const AUTO_MIN_BYTES = 8 * 1024 * 1024;

/**
 * Threads for a validation left to choose: one below `minBytes`; else one per core that is idle by the 1-minute
 * load average (rounded), this thread's core included. Why the load: on a busy machine a worker gets no core of its
 * own and only adds its CPU to the run (on 2 cores at load 8-10, the 20,000-resource corpus took 0.3 CPU-s more
 * and longer wall time with a worker). Windows reports no load average (zeros): there, every core. The report is
 * the same whatever the count.
 */
function automaticThreads(files: readonly { size: number }[], minBytes: number): number {
  const bytes = files.reduce((total, entry) => total + entry.size, 0);
  if (bytes < minBytes) return 1;
  const cores = availableParallelism();
  return Math.max(1, Math.min(cores, Math.round(cores - (loadavg()[0] ?? 0))));
}

/**
 * Validates files from disk (see {@link validateFileStream}) and returns all results in the order of `paths` (each
 * file's results in document order); `file` is the path as given, with POSIX separators.
 */
export async function validateFilesParallel(paths: string[], options: KubernetesValidatorOptions = {}, parallel: ParallelOptions = {}): Promise<UnitResult[]> {
  const perFile: UnitResult[][] = new Array(paths.length);
  await validateFileStream(paths, options, parallel, (position, outcome) => (perFile[position] = outcome.results));
  return perFile.flat();
}

type Read = { file: string } & TextRead;

/**
 * Synchronous reads: a batch of small files reads faster this way than through the promise API. Within the size
 * limit, and only regular files (a file replaced by a FIFO after the folder walk must not block the thread).
 */
function readEntry(setup: WorkerSetup, path: string): Read {
  const file = path.replace(/\\/g, "/");
  return { file, ...readTextFile(setup.root ? join(setup.root, path) : path, file) };
}

function readFromMemory(read: (path: string) => string | undefined, file: string): Read {
  const content = read(file);
  return content === undefined ? { file, error: `cannot read ${file}` } : { file, content };
}

/** Validates files from disk in this thread, one outcome per file; an unreadable file gives one "error" result. */
export function validateBatchFromDisk(validator: KubernetesValidator, setup: WorkerSetup, paths: string[]): Promise<FileOutcome[]> {
  return validateBatch(validator, setup, paths, (path) => readEntry(setup, path));
}

/**
 * Each file is read just before it is validated, not the whole batch first: its text is then garbage as soon as the
 * file is done, where a batch's text read ahead lived through young-generation collections and was copied to the old
 * generation (most of the corpus's 10 MB).
 */
async function validateBatch(validator: KubernetesValidator, setup: WorkerSetup, paths: string[], readFile: (path: string) => Read): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = [];
  for (const path of paths) {
    const read = readFile(path);
    const { file } = read;
    const patch = setup.patches && Object.hasOwn(setup.patches, file) ? setup.patches[file] : undefined;
    if ("error" in read) {
      outcomes.push({ results: [{ file, validator: "kubernetes", status: "error", problems: [{ file, rule: read.tooLarge === undefined ? "k8s-read-error" : "k8s-file-too-large", message: read.error, severity: "error" }] }] });
      continue;
    }
    if (patch) {
      // A patch is part of an object, not one: validated as a patch, and no digest (the GitOps checks see objects).
      outcomes.push({ results: await validator.validateFile({ path: file, content: read.content }, undefined, { patch }) });
      continue;
    }
    if (!setup.digests || !isYamlFile(file)) {
      outcomes.push({ results: await validator.validateFile({ path: file, content: read.content }) });
      continue;
    }
    const digests: ManifestDigest[] = [];
    const results = await validator.validateFile({ path: file, content: read.content }, ({ index, line, data }) => {
      const digest = digestDocument(file, index, line, data);
      if (digest) digests.push(digest);
    });
    outcomes.push({ results, digests });
  }
  return outcomes;
}

function toBatches<T extends { size: number }>(entries: T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (current.length > 0 && (bytes + entry.size > BATCH_BYTES || current.length >= BATCH_FILES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** One worker thread: kept fed with batches until there are none left, then ended. */
async function runWorker<T extends { path: string }>(setup: WorkerSetup, take: () => T[] | undefined, deliver: (batch: T[], outcomes: FileOutcome[]) => void): Promise<void> {
  // Loaded here: below the size that starts workers (most runs), no thread is started.
  const { Worker } = await import("node:worker_threads");
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: setup });
    const pending = new Map<number, T[]>();
    let ids = 0;
    const feed = () => {
      while (pending.size < IN_FLIGHT) {
        const batch = take();
        if (!batch) break;
        const task: WorkerTask = { id: ids++, paths: batch.map((entry) => entry.path) };
        pending.set(task.id, batch);
        worker.postMessage(task);
      }
      if (pending.size > 0) return;
      // The thread ends by itself (see worker-serve.ts); its results are all in, so this does not wait for that.
      worker.postMessage("done" satisfies WorkerMessage);
      resolve();
    };
    worker.on("message", (reply: WorkerReply) => {
      const batch = pending.get(reply.id);
      pending.delete(reply.id);
      if (!reply.ok) {
        void worker.terminate();
        reject(new Error(reply.error));
        return;
      }
      if (batch) deliver(batch, fromReply(reply));
      feed();
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (pending.size > 0) reject(new Error(`validation worker stopped (exit code ${code}) with ${pending.size} batch(es) unanswered`));
    });
    feed();
  });
}
