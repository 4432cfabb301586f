/** Worker-thread entry of lintWorkflowsInWorker: lints the files it is given, answers once, and ends. */
import { parentPort, workerData } from "node:worker_threads";
import { lintWorkflows, type WorkflowFile, type WorkflowLintOptions } from "./lint.js";

const { files, options } = workerData as { files: WorkflowFile[]; options: WorkflowLintOptions };
lintWorkflows(files, options).then(
  (results) => parentPort?.postMessage({ ok: true, results }),
  (error: unknown) => parentPort?.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) }),
);
