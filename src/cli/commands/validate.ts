import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import { readPackageVersion } from "../../_utils.js";
import { InputError, UsageError } from "../../errors.js";
import { InputFileError, problemMessage, readStdinText } from "../../read-input.js";
import { validateOnDisk, validateStdin, walkFiles, type DiskOptions, type Engine } from "../../validators/index.js";
import { readGitCheckout } from "../../validators/gitops/index.js";
import { findKubeconform } from "../../validators/kubeconform/index.js";
import { formatReport, reportFormats, type ReportFormat } from "../../validators/report/index.js";
import { summarize, type UnitResult } from "../../validators/types.js";
import { oneOf, parseFlags } from "../args.js";
import { parseMinorVersion, podSecurityLevels, type PodSecurityOptions } from "../../validators/pod-security/index.js";
import { checkSchemaLocation, namedInput } from "../input-paths.js";

const engines: readonly Engine[] = ["embedded", "kubeconform"];

const flags = {
  output: { type: "string", short: "o" },
  strict: { type: "boolean" },
  "kubernetes-version": { type: "string" },
  "schema-location": { type: "string", multiple: true },
  crd: { type: "string", multiple: true },
  "ignore-missing-schemas": { type: "boolean" },
  skip: { type: "string" },
  "ignore-filename-pattern": { type: "string", multiple: true },
  "repo-url": { type: "string", multiple: true },
  "no-terraform": { type: "boolean" },
  "no-gitops": { type: "boolean" },
  "no-workflows": { type: "boolean" },
  engine: { type: "string" },
  "cache-dir": { type: "string" },
  workers: { type: "string" },
  "pod-security": { type: "string" },
  "pod-security-version": { type: "string" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const HELP = `Usage: create-cluster-repo validate [paths...] [options]

Validates Kubernetes manifests (core, Flux and Argo CD kinds) against embedded schemas, Terraform files against the
provider attribute tables, and GitOps references. Paths are files or folders (default: .); - reads stdin.

  -o, --output text|json|junit|sarif|tap   report format (default text)
      --strict                             reject unknown fields and duplicate keys
      --kubernetes-version x.y.z           Kubernetes version of the schemas
      --schema-location LOC                kubeconform-style schema location or template (repeatable; "default" = embedded)
      --crd file.yaml                      turn a CRD's openAPIV3Schema into a schema (repeatable)
      --ignore-missing-schemas             skip resources with no schema instead of failing
      --skip KINDS                         comma-separated kinds to skip
      --ignore-filename-pattern RE         skip files whose path matches (repeatable)
      --repo-url URL                       URL that means "this repository" for Flux/Argo CD path checks (repeatable;
                                           default: the Git remotes of the checkout the folder is in)
      --no-terraform, --no-gitops          turn off those checks
      --no-workflows                       do not lint .github/workflows/*.yml with actionlint
      --engine embedded|kubeconform        Kubernetes engine: the embedded schemas (default), or the kubeconform
                                           binary on PATH, run with the same flags and folded into this report
      --cache-dir DIR                      where schemas fetched over HTTP are kept (default:
                                           $XDG_CACHE_HOME/create-cluster-repo/schemas or ~/.cache/...);
                                           schemas from --crd and --schema-location are kept compiled in
                                           $XDG_CACHE_HOME/create-cluster-repo/compiled
      --workers N                          threads for large inputs (default: all cores)
      --pod-security restricted|baseline   also check every pod template (Pod, Deployment, StatefulSet, DaemonSet,
                                           ReplicaSet, Job, CronJob, ReplicationController, PodTemplate) against
                                           that Pod Security Standards profile: one error per container and control
      --pod-security-version v1.x|latest   the Kubernetes version whose PodSecurity admission to follow
                                           (default latest, as the enforce-version namespace label)
Exit codes: 0 all valid, 1 any invalid resource or error, 2 bad usage.
`;

/** Standard input, validated as a file named "stdin"; past the size limit it is one error result. */
async function validateStdinInput(options: DiskOptions): Promise<UnitResult[]> {
  let text: string | InputFileError;
  try {
    text = await readStdinText();
  } catch (error) {
    throw new InputError(`cannot read stdin: ${(error as Error).message}`);
  }
  if (typeof text === "string") return validateStdin(text, options);
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
function defaultCacheDir(): string {
  return join(cacheBase(), "schemas");
}

/** Where compiled schemas are kept between runs (named by the schema's hash, so they never go stale). */
function compiledCacheDir(): string {
  return join(cacheBase(), "compiled");
}

function cacheBase(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "create-cluster-repo");
}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--${flag} must be a positive integer (got "${value}")`);
  return Number(value);
}

/** `--pod-security` and `--pod-security-version`: the profile to check pod templates against, if any. */
function podSecurityOption(level: string | undefined, version: string | undefined): PodSecurityOptions | undefined {
  const profile = oneOf("pod-security", level, podSecurityLevels);
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

/** With kubeconform: its binary, a cache folder it can write to, and no flag it has no equivalent for. */
function kubeconformOptions(options: DiskOptions): DiskOptions {
  const binary = findKubeconform();
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
async function validatePath(path: string, ignore: RegExp[], options: DiskOptions): Promise<UnitResult[]> {
  if (path === "-") return validateStdinInput(options);
  if (namedInput(path) === "file") return validateOnDisk({ paths: [path], ignore }, { ...options, gitops: false });
  const unreadable: string[] = [];
  const paths = walkFiles(path, unreadable);
  const results = (await validateOnDisk({ root: path, paths, ignore }, { ...options, checkout: readGitCheckout(path, process.env) })).concat(
    unreadable
      .filter((folder) => !ignore.some((pattern) => pattern.test(folder)))
      .map((folder): UnitResult => ({ file: folder, validator: "gitops", status: "error", problems: [{ file: folder, rule: "read-error", message: `cannot read folder ${folder}; its files were not checked: fix its permissions, or exclude it with --ignore-filename-pattern`, severity: "error" }] })),
  );
  if (path === ".") return results;
  const prefix = relative(process.cwd(), path);
  const display = (file: string) => join(prefix, file);
  // A unit the walk left out is labelled by its path: shown from the working directory too.
  return results.map((result) => ({ ...result, file: display(result.file), ...(result.validator === "walk" ? { label: display(result.file) } : {}), problems: result.problems.map((p) => ({ ...p, file: display(p.file) })) }));
}

export async function run(argv: string[]): Promise<number> {
  const { values: opts, positionals } = parseFlags(argv, flags);
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const format: ReportFormat = oneOf("output", opts.output, reportFormats) ?? "text";
  let options: DiskOptions = {
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
    cacheDir: opts["cache-dir"] ?? defaultCacheDir(),
    compiledCacheDir: compiledCacheDir(),
    engine: oneOf("engine", opts.engine, engines) ?? "embedded",
    workers: positiveInteger("workers", opts.workers),
    podSecurity: podSecurityOption(opts["pod-security"], opts["pod-security-version"]),
  };
  if (options.engine === "kubeconform" && options.podSecurity) {
    throw new UsageError("--pod-security is checked by the embedded engine only: drop --engine kubeconform, or run validate a second time without it");
  }
  if (options.engine === "kubeconform") options = kubeconformOptions(options);
  const ignore = compilePatterns(opts["ignore-filename-pattern"]);
  // Every path is checked before any is validated: a FIFO or a device named among them is a usage error.
  for (const path of positionals) if (path !== "-") namedInput(path);
  for (const crd of opts.crd ?? []) namedInput(crd, { flag: "--crd", folders: false });
  for (const location of opts["schema-location"] ?? []) checkSchemaLocation(location);
  let results: UnitResult[] = [];
  // concat, not push(...): a spread of 100,000 results overflows the call stack
  for (const path of positionals.length > 0 ? positionals : ["."]) results = results.concat(await validatePath(path, ignore, options));
  const report = summarize(results);
  process.stdout.write(formatReport(report, format, { color: process.stdout.isTTY === true && !process.env.NO_COLOR, toolVersion: readPackageVersion() }));
  return report.valid ? 0 : 1;
}
