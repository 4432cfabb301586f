/** Worker-thread entry of validateFilesParallel: validates its share of the files and posts the results back. */
import { parentPort, workerData } from "node:worker_threads";
import { validatePaths, type WorkerReply, type WorkerTask } from "./parallel.js";

const task = workerData as WorkerTask;
let reply: WorkerReply;
try {
  reply = { ok: true, json: JSON.stringify(await validatePaths(task.paths, task.options)) };
} catch (error) {
  reply = { ok: false, error: error instanceof Error ? error.message : String(error) };
}
parentPort?.postMessage(reply);
