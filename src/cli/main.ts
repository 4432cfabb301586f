#!/usr/bin/env node
import "./start.js"; // first: V8's flags and the code cache, before any other module is evaluated
import { requestStop, STOP_SIGNALS, type StopSignal } from "../interrupt.js";
import { processIo } from "./io.js";
import { runCommandLine } from "./run.js";

// Ctrl-C or a SIGTERM: exit at once with 130 or 143, unless work that owns something to clean is running, which
// then stops at its next step and cleans up (a new repository's staging directory): see src/interrupt.ts.
for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) {
  process.on(signal, () => {
    if (requestStop(signal) === "exit") process.exit(STOP_SIGNALS[signal]);
  });
}

process.exitCode = await runCommandLine(process.argv.slice(2), processIo());
