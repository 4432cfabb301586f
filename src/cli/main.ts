#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";
import { processIo } from "./io.js";
import { runCommandLine } from "./run.js";

// The two Terraform tools (@cdktf/hcl2json, @cdktf/hcl-tools) are Go programs compiled to WebAssembly. A CLI run
// is short, so V8's optimising wasm tier only costs time (and the second core): baseline code alone starts them
// about 0.4 s sooner. Set before any wasm module is compiled.
setFlagsFromString("--liftoff-only");

process.exitCode = await runCommandLine(process.argv.slice(2), processIo());
