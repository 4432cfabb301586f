#!/usr/bin/env node
/**
 * The `bin`: what must come before any other code of the CLI, then the CLI itself.
 *
 * V8's flags come first because V8 checks them against each entry of the code cache (a cache made under other flags
 * is refused). Then the code cache (src/code-cache.ts), and through it the CLI: one CommonJS bundle,
 * dist/cli/cli.cjs (scripts/bundle-cli.mjs), with an entry of the cache per command (for it and for every script
 * the command loads), since an entry keeps the functions compiled by the run that wrote it. Why: Node 20 keeps no compiled ES module between runs, and compiling
 * and linking the CLI's ES modules anew cost every run about a fifth of its CPU time. The bundle loads the vendored
 * packages, the precompiled templates and the validators through the same cache: scripts/bundle-cli.mjs builds this
 * file and the bundle so that both use one instance of it (dist/cli/code-cache.cjs).
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { enableCodeCache, requireCached } from "../code-cache.js";
import { STOP_SIGNALS, stoppedMessage, type StopSignal } from "../stop-signals.js";
import { commandOf } from "./command-line.js";

// The two Terraform tools (@cdktf/hcl2json, @cdktf/hcl-tools) are Go programs compiled to WebAssembly. A CLI run
// is short, so V8's optimising wasm tier only costs time (and the second core): baseline code alone starts them
// about 0.4 s sooner. Set before any wasm module is compiled.
setFlagsFromString("--liftoff-only");

// CCR_CODE_CACHE=off turns the cache off (every script compiled as Node would).
// Entries per command: each holds the functions that command compiles (see enableCodeCache).
if (process.env.CCR_CODE_CACHE !== "off") enableCodeCache(join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "create-cluster-repo", "code"), commandOf(process.argv.slice(2)));

// Until the CLI's own handlers are set (runCliProcess, once the bundle has loaded), a SIGINT or SIGTERM would end the
// process silently, killed by the signal. With a listener from the start, Node catches the signal and handles it on
// the event loop, by then with the CLI's handlers; this one stays (removing the last listener would drop a signal
// caught meanwhile) and acts only if the CLI's handlers are not there: nothing needs cleaning, so it says so and exits.
let handedOver = false;
for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) {
  process.on(signal, () => {
    if (handedOver) return;
    process.stderr.write(stoppedMessage(signal));
    process.exit(STOP_SIGNALS[signal]);
  });
}

const bundle = fileURLToPath(new URL("cli.cjs", import.meta.url));
const cli = requireCached(bundle) as typeof import("./cli-process.js");
// runCliProcess sets the CLI's handlers before its first await, so in the same tick as this.
handedOver = true;
process.exitCode = await cli.runCliProcess();
