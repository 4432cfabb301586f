/**
 * Worker-thread entry of startTerraformWorker. Its first job is the formatter, which render needs first: the
 * hcl-tools module is started and warmed with a tiny input (the first call pays for gunzip, compilation and the Go
 * runtime), and only then hcl2json and the validator modules, which validation needs a little later. Started side by
 * side they would share this thread and both be ready late.
 */
import { answerRequests } from "../request-worker.js";
import { formatHcl } from "./format.js";
import type { TerraformTask } from "./tools-worker.js";

const warm = "a = 1\n";
const validator = formatHcl(warm)
  .catch(() => undefined) // a tool that cannot start fails the request that needs it, with its own error
  .then(() => import("@cdktf/hcl2json"))
  .then(async (hcl2json) => {
    await hcl2json.parse("warm-up.tf", warm).catch(() => undefined);
    return import("./index.js");
  });
validator.catch(() => undefined); // the same error again reaches each validate request

answerRequests<TerraformTask>((task) =>
  task.op === "format" ? formatHcl(task.source) : validator.then(({ validateTerraform }) => validateTerraform(task.files, task.options)),
);
