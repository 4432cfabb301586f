/**
 * Worker-thread entry of validateFileStream: builds one validator, then validates the batches of files it is sent,
 * one at a time, posting each batch's outcomes back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { toReply, validateBatchFromDisk, type WorkerReply, type WorkerSetup, type WorkerTask } from "./parallel.js";
import { createKubernetesValidator } from "./validator.js";

const setup = workerData as WorkerSetup;
const validator = createKubernetesValidator(setup.options);
// Batches are validated one after the other: two at once would only hold twice the file text in memory.
let queue: Promise<void> = Promise.resolve();

parentPort?.on("message", (task: WorkerTask) => {
  queue = queue.then(async () => {
    let reply: WorkerReply;
    try {
      reply = toReply(task.id, await validateBatchFromDisk(await validator, setup, task.paths));
    } catch (error) {
      reply = { id: task.id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    parentPort?.postMessage(reply);
  });
});
