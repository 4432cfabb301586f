/**
 * Worker-thread entry of validateFileStream. What the thread runs comes, when the build made it, from the worker
 * bundle (dist/cli/kubernetes-worker.cjs, scripts/bundle-cli.mjs), loaded through the CLI's code cache
 * (dist/cli/code-cache.cjs, the instance the bundle's own modules use) in the folder of the thread that started this
 * one: Node 20 keeps no compiled ES module between runs, and resolving and compiling the validator's modules one by
 * one cost each worker more than its first batches. Else (a dist/ made by tsc alone) the compiled modules are
 * imported as they are. Only Node's own modules are imported statically here: anything else would load a second,
 * unbundled copy next to the bundle.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { workerData } from "node:worker_threads";
import type { WorkerSetup } from "./parallel.js";

const setup = workerData as WorkerSetup;
const bundle = fileURLToPath(new URL("../../cli/kubernetes-worker.cjs", import.meta.url));
const codeCacheModule = fileURLToPath(new URL("../../cli/code-cache.cjs", import.meta.url));

async function serve(): Promise<typeof import("./worker-serve.js")> {
  if (!existsSync(bundle) || !existsSync(codeCacheModule)) return import("./worker-serve.js");
  const codeCache = createRequire(import.meta.url)(codeCacheModule) as typeof import("../../code-cache.js");
  if (setup.codeCache) codeCache.enableCodeCache(setup.codeCache, setup.codeCacheUse);
  return codeCache.requireCached(bundle) as typeof import("./worker-serve.js");
}

(await serve()).serveBatches(setup);
