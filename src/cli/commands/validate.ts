import { lstatSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import { readPackageVersion } from "../../_utils.js";
import { InputError, UsageError } from "../../errors.js";
import { InputFileError, problemMessage, readStdinText } from "../../read-input.js";
import { folderSource, ignoring, namedFilesSource, stdinSource, validateSource, type ValidateOptions } from "../../validators/index.js";
import { readGitCheckout } from "../../validators/gitops/index.js";
import { CacheTrustError, compiledCacheFolder, schemaCacheFolder } from "../../validators/kubernetes/private-cache.js";
import { findKubeconform } from "../../validators/kubeconform/index.js";
import { formatReport } from "../../validators/report/index.js";
import { summarize, type UnitResult, type ValidationReport } from "../../validators/types.js";
import { FLEET_FILE } from "../../fleet/layout.js";
import { parseMinorVersion, type Level as PodSecurityLevel, type PodSecurityOptions } from "../../validators/pod-security/index.js";
import { commandHelp, parseCommand } from "../args.js";
import { validateCommand } from "../flags.js";
import { checkSchemaLocation, namedInput } from "../input-paths.js";
import type { CliIo } from "../io.js";

/** Standard input, validated as a file named "stdin"; past the size limit it is one error result. */
async function validateStdinInput(options: ValidateOptions, io: CliIo): Promise<UnitResult[]> {
  let text: string | InputFileError;
  try {
    text = await readStdinText(io.stdin);
  } catch (error) {
    throw new InputError(`cannot read stdin: ${(error as Error).message}`);
  }
  if (typeof text === "string") return (await validateSource(stdinSource(text), options)).results;
  return [{ file: "stdin", validator: "kubernetes", status: "error", problems: [{ file: "stdin", rule: "k8s-file-too-large", message: problemMessage(text), severity: "error" }] }];
}

function compilePatterns(patterns: string[] | undefined): RegExp[] {
  return (patterns ?? []).map((pattern) => {
    try {
      return new RegExp(pattern);
    } catch (error) {
      throw new UsageError(`--ignore-filename-pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${(error as Error).message}`);
    }
  });
}

/** Where schemas fetched over HTTP are kept between runs, as XDG asks: they never change under one URL. */
function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  return join(cacheBase(env), "schemas");
}

/** Where compiled schemas are kept between runs (named by the schema's hash, so they never go stale). */
function compiledCacheDir(env: NodeJS.ProcessEnv): string {
  return join(cacheBase(env), "compiled");
}

function cacheBase(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "create-cluster-repo");
}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--${flag} must be a positive integer (got "${value}")`);
  return Number(value);
}

/** `--pod-security` and `--pod-security-version`: the profile to check pod templates against, if any. */
function podSecurityOption(profile: PodSecurityLevel | undefined, version: string | undefined): PodSecurityOptions | undefined {
  if (!profile) {
    if (version !== undefined) throw new UsageError("--pod-security-version needs --pod-security restricted|baseline");
    return undefined;
  }
  if (version !== undefined) {
    try {
      parseMinorVersion(version);
    } catch (error) {
      throw new UsageError(`--pod-security-version: ${(error as Error).message}`);
    }
  }
  return { level: profile, version };
}

/**
 * The cache folders this run will use, checked before anything is validated: schemas fetched over HTTP (any HTTP
 * location) and compiled schemas (any location or CRD besides the embedded schemas). One that others could write is
 * refused (exit 2) with what to do; see private-cache.ts. Folders that do not exist yet are created when first used.
 */
function checkCacheFolders(options: ValidateOptions): void {
  const locations = (options.schemaLocations ?? []).filter((location) => location !== "default");
  try {
    if (options.cacheDir && locations.some((location) => /^https?:\/\//i.test(location))) schemaCacheFolder(options.cacheDir, false);
    if (options.compiledCacheDir && options.engine !== "kubeconform" && (locations.length > 0 || (options.crdFiles?.length ?? 0) > 0)) compiledCacheFolder(options.compiledCacheDir, false);
  } catch (error) {
    if (error instanceof CacheTrustError) throw new InputError(error.message);
    throw error;
  }
}

/** With kubeconform: its binary, a cache folder it can write to, and no flag it has no equivalent for. */
function kubeconformOptions(options: ValidateOptions, env: NodeJS.ProcessEnv): ValidateOptions {
  const binary = findKubeconform(env.PATH ?? "");
  if (!binary) {
    throw new UsageError("--engine kubeconform needs a kubeconform binary on PATH (https://github.com/yannh/kubeconform); install it or use --engine embedded");
  }
  if (options.crdFiles?.length) {
    throw new UsageError("--crd is not supported with --engine kubeconform: convert the CRDs to JSON schemas (kubeconform's openapi2jsonschema) and pass their folder with --schema-location");
  }
  // kubeconform refuses a -cache folder that does not exist
  if (options.cacheDir) mkdirSync(options.cacheDir, { recursive: true });
  return { ...options, kubeconformBinary: binary };
}

/**
 * Validates one command-line path: a folder as one repository (so GitOps references resolve inside it), a file on
 * its own, `-` as standard input. Results name files relative to the working directory.
 */
async function validatePath(path: string, ignore: RegExp[], options: ValidateOptions, io: CliIo): Promise<UnitResult[]> {
  if (path === "-") return validateStdinInput(options, io);
  if (namedInput(path) === "file") return (await validateSource(ignoring(namedFilesSource([path]), ignore), options)).results;
  const { results } = await validateSource(ignoring(folderSource(path), ignore), { ...options, checkout: readGitCheckout(path, io.env) });
  if (path === ".") return results;
  const prefix = relative(process.cwd(), path);
  // One join per file, not per result: a file of 50 resources has 50 results and their problems.
  const shown = new Map<string, string>();
  const display = (file: string) => {
    let found = shown.get(file);
    if (found === undefined) shown.set(file, (found = join(prefix, file)));
    return found;
  };
  // In place: the results are this run's own, and a copy of 20,000 of them (with their problems) is memory the
  // garbage collector would carry to the end of the run. An object listed twice is moved once.
  const moved = new WeakSet<object>();
  for (const result of results) {
    if (moved.has(result)) continue;
    moved.add(result);
    result.file = display(result.file);
    // A unit the walk left out is labelled by its path: shown from the working directory too.
    if (result.validator === "walk") result.label = result.file;
    for (const problem of result.problems) {
      if (moved.has(problem)) continue;
      moved.add(problem);
      problem.file = display(problem.file);
    }
  }
  return results;
}

/**
 * A fleet's clusters, for a report grouped by cluster (text and JSON): only for one repository folder holding
 * fleet.yaml. A fleet its files contradict is reported ungrouped (the fleet commands name what is wrong with it).
 */
async function fleetOf(paths: string[]): Promise<Pick<ValidationReport, "fleet">> {
  const [path] = paths;
  if (paths.length !== 1 || path === undefined || path === "-" || namedInput(path) === "file") return {};
  try {
    // Without fleet.yaml there is no fleet to group by: the fleet's reader (and the `yaml` library) is not loaded.
    if (!lstatSync(join(path, FLEET_FILE), { throwIfNoEntry: false })) return {};
    const { readFleet } = await import("../../fleet/members.js");
    const fleet = readFleet(path);
    if (!fleet.file) return {};
    const clusters = fleet.members.map(({ name, environment, root }) => ({ name, root, ...(environment ? { environment } : {}) }));
    return { fleet: { clusters, ...(path === "." ? {} : { prefix: relative(process.cwd(), path) }) } };
  } catch {
    return {};
  }
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(validateCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(validateCommand));
    return 0;
  }
  const format = opts.output ?? "text";
  let options: ValidateOptions = {
    strict: opts.strict ?? false,
    kubernetesVersion: opts["kubernetes-version"],
    schemaLocations: opts["schema-location"],
    crdFiles: opts.crd,
    ignoreMissingSchemas: opts["ignore-missing-schemas"],
    skipKinds: opts.skip?.split(",").map((kind) => kind.trim()).filter(Boolean),
    terraform: !opts["no-terraform"],
    gitops: !opts["no-gitops"],
    workflows: !opts["no-workflows"],
    repoUrls: opts["repo-url"],
    cacheDir: opts["cache-dir"] ?? defaultCacheDir(io.env),
    compiledCacheDir: compiledCacheDir(io.env),
    engine: opts.engine ?? "embedded",
    workers: positiveInteger("workers", opts.workers),
    podSecurity: podSecurityOption(opts["pod-security"], opts["pod-security-version"]),
    keepWorkflowWorker: io.wasmTools === "kept",
    secrets: { refuse: opts["refuse-plaintext-secrets"] ?? false, allow: opts.allow ?? [] },
  };
  if (options.engine === "kubeconform" && options.podSecurity) {
    throw new UsageError("--pod-security is checked by the embedded engine only: drop --engine kubeconform, or run validate a second time without it");
  }
  if (options.engine === "kubeconform") options = kubeconformOptions(options, io.env);
  const ignore = compilePatterns(opts["ignore-filename-pattern"]);
  // Every path is checked before any is validated: a FIFO or a device named among them is a usage error.
  for (const path of positionals) if (path !== "-") namedInput(path);
  for (const crd of opts.crd ?? []) namedInput(crd, { flag: "--crd", folders: false });
  for (const location of opts["schema-location"] ?? []) checkSchemaLocation(location);
  checkCacheFolders(options);
  let results: UnitResult[] = [];
  // concat, not push(...): a spread of 100,000 results overflows the call stack
  for (const path of positionals.length > 0 ? positionals : ["."]) results = results.concat(await validatePath(path, ignore, options, io));
  const report = { ...summarize(results), ...(await fleetOf(positionals.length > 0 ? positionals : ["."])) };
  io.stdout.write(formatReport(report, format, { color: io.stdout.isTTY === true && !io.env.NO_COLOR, toolVersion: readPackageVersion() }));
  // The report is out; what this run compiled of the embedded validators is kept for the next one.
  return report.valid ? 0 : 1;
}
