#!/usr/bin/env node
import "./start.js"; // first: V8's flags and the code cache, before any other module is evaluated
import "./signals.js"; // then the SIGINT/SIGTERM handlers, before the commands' modules load
import { processIo } from "./io.js";
import { runCommandLine } from "./run.js";

process.exitCode = await runCommandLine(process.argv.slice(2), processIo());
