/**
 * {@link TerraformTools} in a worker thread. Both WebAssembly tools are Go programs whose first call costs about
 * 0.1 s each (gunzip, compile, Go runtime start); started in a worker at the beginning of a render, that start-up and
 * the Terraform work run on the second core while this thread does parameters, templates, Kubernetes and GitOps
 * checks. The worker runs the same code as {@link inThreadTerraformTools}, so results are identical. Since the
 * TypeScript HCL reader (hcl-native.ts) covers the blueprints' Terraform, the CLI no longer uses it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { packageRoot } from "../../_utils.js";
import { startRequestWorker } from "../request-worker.js";
import type { UnitResult } from "../types.js";
import type { TerraformFile, TerraformValidationOptions } from "./index.js";
import type { TerraformTools } from "./tools.js";

export type TerraformTask = { op: "format"; source: string } | { op: "validate"; files: TerraformFile[]; options?: TerraformValidationOptions };

/** Tools that hold a resource: `close` ends it. Calls after `close` reject. */
export interface ClosableTerraformTools extends TerraformTools {
  close(): Promise<void>;
}

// From the package root, not from this module: the CLI runs a bundle that lives elsewhere, the worker stays in dist/.
const workerUrl = pathToFileURL(join(packageRoot, "dist", "validators", "terraform", "worker.js"));

/** Imported on use: without a compiled worker only. */
const inThread = () => import("./tools.js").then((module) => module.inThreadTerraformTools);

/**
 * Starts the worker now, so that the wasm modules load while the caller does other work. Without a compiled
 * worker (TypeScript sources before a build) the tools run in this thread instead.
 */
export function startTerraformWorker(): ClosableTerraformTools {
  if (!existsSync(fileURLToPath(workerUrl))) {
    return {
      format: async (source) => (await inThread()).format(source),
      validate: async (files, options) => (await inThread()).validate(files, options),
      close: async () => undefined,
    };
  }
  const worker = startRequestWorker<TerraformTask>(workerUrl, "Terraform");
  return {
    format: (source) => worker.call<string>({ op: "format", source }),
    validate: (files, options) => worker.call<UnitResult[]>({ op: "validate", files, options }),
    close: () => worker.close(),
  };
}
