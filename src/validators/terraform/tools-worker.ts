/**
 * {@link TerraformTools} in a worker thread. Both tools are Go programs compiled to WebAssembly whose first call
 * costs about 0.1 s each (gunzip, compile, Go runtime start); started in a worker at the beginning of `create`, that
 * start-up and the Terraform work run on the second core while this thread does parameters, templates, Kubernetes
 * and GitOps checks. The worker runs the same code as {@link inThreadTerraformTools}, so results are identical.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { packageRoot } from "../../_utils.js";
import type { UnitResult } from "../types.js";
import type { TerraformFile, TerraformValidationOptions } from "./index.js";
import type { TerraformTools } from "./tools.js";

type TerraformTask = { op: "format"; source: string } | { op: "validate"; files: TerraformFile[]; options?: TerraformValidationOptions };
export type TerraformRequest = TerraformTask & { id: number };
export type TerraformReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

/** Tools that hold a resource: `close` ends it. Calls after `close` reject. */
export interface ClosableTerraformTools extends TerraformTools {
  close(): Promise<void>;
}

// From the package root, not from this module: the CLI runs a bundle that lives elsewhere, the worker stays in dist/.
const workerUrl = pathToFileURL(join(packageRoot, "dist", "validators", "terraform", "worker.js"));

/** Imported on use: the CLI's entry module starts the worker, and must stay light for `--help`. */
const inThread = () => import("./tools.js").then((module) => module.inThreadTerraformTools);

let prestarted: ClosableTerraformTools | undefined;

/**
 * Starts the worker as early as possible (the CLI does it before loading the `create` command): the wasm start-up
 * is the longest chain of a `create` run. The next {@link takeTerraformWorker} takes it. Idle, it never keeps the
 * process alive, so an early exit (bad flags, `--help`) needs no cleanup.
 */
export function prestartTerraformWorker(): void {
  prestarted ??= startTerraformWorker();
}

/** The prestarted worker if there is one, else a new one. */
export function takeTerraformWorker(): ClosableTerraformTools {
  const tools = prestarted ?? startTerraformWorker();
  prestarted = undefined;
  return tools;
}

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
  const worker = new Worker(workerUrl);
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let ids = 0;
  let stopped: Error | undefined;

  // Referenced only while a request is out: an idle worker (a caller that forgot `close`, or an error on the way)
  // never keeps the process alive, and a process waiting for an answer never exits early.
  const updateRef = () => (pending.size > 0 ? worker.ref() : worker.unref());
  const stop = (error: Error) => {
    stopped ??= error;
    for (const { reject } of pending.values()) reject(stopped);
    pending.clear();
    updateRef();
  };
  worker.on("message", (reply: TerraformReply) => {
    const request = pending.get(reply.id);
    pending.delete(reply.id);
    updateRef();
    if (!request) return;
    if (reply.ok) request.resolve(reply.value);
    else request.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, stack: reply.error.stack }));
  });
  worker.on("error", (error) => stop(error));
  worker.on("exit", (code) => stop(new Error(`the Terraform worker thread stopped (exit code ${code})`)));
  updateRef(); // after the listeners: attaching a "message" listener refs the worker again

  const call = <T>(task: TerraformTask): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (stopped) return reject(stopped);
      const id = ids++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      updateRef();
      worker.postMessage({ ...task, id } satisfies TerraformRequest);
    });

  return {
    format: (source) => call<string>({ op: "format", source }),
    validate: (files, options) => call<UnitResult[]>({ op: "validate", files, options }),
    close: async () => {
      stop(new Error("the Terraform worker thread was closed"));
      await worker.terminate();
    },
  };
}
