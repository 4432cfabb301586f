#!/usr/bin/env node
/**
 * Stand-in for the CLI until it exists: validates files with the compiled validator (build first:
 * `npx tsc -p tsconfig.build.json`) and prints JSON { summary, results }. Exit 0 valid, 1 invalid/error, 2 usage.
 *
 *   node bench/validate-cli.mjs [--strict] [--summary] [--schema-location L]... [--crd F]... [--kubernetes-version V]
 *        [--ignore-missing-schemas] [--skip K,K] [--cache DIR] [--workers N] FILE|DIR...
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { validateFilesParallel } from "../dist/validators/kubernetes/index.js";
import { summarize } from "../dist/validators/types.js";

const options = { schemaLocations: [], crdFiles: [], skipKinds: [] };
const parallel = {};
const inputs = [];
let summaryOnly = false;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const value = () => {
    if (i + 1 >= args.length) usage(`${arg} needs a value`);
    return args[++i];
  };
  if (arg === "--strict") options.strict = true;
  else if (arg === "--summary") summaryOnly = true;
  else if (arg === "--ignore-missing-schemas") options.ignoreMissingSchemas = true;
  else if (arg === "--schema-location") options.schemaLocations.push(value());
  else if (arg === "--crd") options.crdFiles.push(value());
  else if (arg === "--kubernetes-version") options.kubernetesVersion = value();
  else if (arg === "--skip") options.skipKinds.push(...value().split(","));
  else if (arg === "--cache") options.cacheDir = value();
  else if (arg === "--workers") parallel.workers = Number(value());
  else if (arg.startsWith("--")) usage(`unknown flag ${arg}`);
  else inputs.push(arg);
}
if (inputs.length === 0) usage("no file given");

function usage(message) {
  console.error(`validate-cli: ${message}`);
  process.exit(2);
}

/** Files of a folder, recursively, that kubeconform would read (.yaml, .yml, .json), sorted. */
function expand(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => (entry.isDirectory() ? expand(join(path, entry.name)) : /\.(ya?ml|json)$/.test(entry.name) ? [join(path, entry.name)] : []));
}

const results = await validateFilesParallel(inputs.flatMap(expand), options, parallel);
const report = summarize(results);
process.stdout.write(`${JSON.stringify(summaryOnly ? { valid: report.valid, summary: report.summary } : report, null, 1)}\n`);
process.exitCode = report.valid ? 0 : 1;
