/**
 * What the process sets before any other module of the CLI is evaluated: main.ts imports this module first. V8's
 * flags come first because V8 checks them against each entry of the code cache (a cache made under other flags is
 * refused), and the code cache is on before the vendored packages (yaml, simple-git, js-yaml, diff: scripts/bundle-cli.mjs)
 * are loaded, during the evaluation of the bundle's modules.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { enableCodeCache } from "../code-cache.js";

// The two Terraform tools (@cdktf/hcl2json, @cdktf/hcl-tools) are Go programs compiled to WebAssembly. A CLI run
// is short, so V8's optimising wasm tier only costs time (and the second core): baseline code alone starts them
// about 0.4 s sooner. Set before any wasm module is compiled.
setFlagsFromString("--liftoff-only");

// Compiled code of the large generated and vendored scripts, kept between runs (src/code-cache.ts); CCR_CODE_CACHE=off
// turns it off.
if (process.env.CCR_CODE_CACHE !== "off") enableCodeCache(join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "create-cluster-repo", "code"));
