#!/usr/bin/env node
import { homedir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { enableCodeCache } from "../code-cache.js";
import { requestStop, STOP_SIGNALS, type StopSignal } from "../interrupt.js";
import { processIo } from "./io.js";
import { runCommandLine } from "./run.js";

// The two Terraform tools (@cdktf/hcl2json, @cdktf/hcl-tools) are Go programs compiled to WebAssembly. A CLI run
// is short, so V8's optimising wasm tier only costs time (and the second core): baseline code alone starts them
// about 0.4 s sooner. Set before any wasm module is compiled.
setFlagsFromString("--liftoff-only");

// Compiled code of the large generated scripts, kept between runs (src/code-cache.ts); CCR_CODE_CACHE=off turns it off.
if (process.env.CCR_CODE_CACHE !== "off") enableCodeCache(join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "create-cluster-repo", "code"));

// Ctrl-C or a SIGTERM: exit at once with 130 or 143, unless work that owns something to clean is running, which
// then stops at its next step and cleans up (a new repository's staging directory): see src/interrupt.ts.
for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) {
  process.on(signal, () => {
    if (requestStop(signal) === "exit") process.exit(STOP_SIGNALS[signal]);
  });
}

process.exitCode = await runCommandLine(process.argv.slice(2), processIo());
