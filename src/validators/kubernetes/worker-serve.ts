/**
 * The work of a validateFileStream worker thread: builds one validator, then validates the batches of files it is
 * sent, one at a time, posting each batch's outcomes back; ends when told there are no more batches. The thread's
 * entry (worker.ts) loads this module from the worker bundle, dist/cli/kubernetes-worker.cjs, when the build made it.
 */
import { parentPort } from "node:worker_threads";
import { toReply, validateBatchFromDisk, type WorkerMessage, type WorkerReply, type WorkerSetup } from "./parallel.js";
import { createKubernetesValidator } from "./validator.js";

export function serveBatches(setup: WorkerSetup): void {
  const validator = createKubernetesValidator(setup.options);
  // Batches are validated one after the other: two at once would only hold twice the file text in memory.
  let queue: Promise<void> = Promise.resolve();
  parentPort?.on("message", (message: WorkerMessage) => {
    queue = queue.then(async () => {
      // No more batches: closing the port lets the thread end by itself, so that its exit handlers run (the code
      // cache of what it compiled is written then; a terminated thread runs none).
      if (message === "done") return parentPort?.close();
      let reply: WorkerReply;
      try {
        reply = toReply(message.id, await validateBatchFromDisk(await validator, setup, message.paths));
      } catch (error) {
        reply = { id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      parentPort?.postMessage(reply);
    });
  });
}
