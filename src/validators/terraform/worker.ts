/**
 * Worker-thread entry of startTerraformWorker. Its first job is the formatter, which render needs first: the
 * hcl-tools module is started and warmed with a tiny input (the first call pays for gunzip, compilation and the Go
 * runtime), and only then hcl2json and the validator modules, which validation needs a little later. Started side by
 * side they would share this thread and both be ready late.
 */
import { parentPort } from "node:worker_threads";
import { formatHcl } from "./format.js";
import type { TerraformReply, TerraformRequest } from "./tools-worker.js";

const warm = "a = 1\n";
const validator = formatHcl(warm)
  .catch(() => undefined) // a tool that cannot start fails the request that needs it, with its own error
  .then(() => import("@cdktf/hcl2json"))
  .then(async (hcl2json) => {
    await hcl2json.parse("warm-up.tf", warm).catch(() => undefined);
    return import("./index.js");
  });
validator.catch(() => undefined); // the same error again reaches each validate request

parentPort?.on("message", (request: TerraformRequest) => {
  const answer = request.op === "format" ? formatHcl(request.source) : validator.then(({ validateTerraform }) => validateTerraform(request.files, request.options));
  answer.then(
    (value) => parentPort?.postMessage({ id: request.id, ok: true, value } satisfies TerraformReply),
    (error: unknown) => {
      const { name = "Error", message = String(error), stack } = error instanceof Error ? error : {};
      parentPort?.postMessage({ id: request.id, ok: false, error: { name, message, stack } } satisfies TerraformReply);
    },
  );
});
