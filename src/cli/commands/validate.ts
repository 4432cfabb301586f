import { readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { listFilesRecursive, readPackageVersion } from "../../_utils.js";
import { InputError, UsageError } from "../../errors.js";
import type { SourceFile } from "../../generator/file-tree.js";
import { validateFiles, type ValidateOptions } from "../../validators/index.js";
import { formatReport, reportFormats, type ReportFormat } from "../../validators/report/index.js";
import { summarize, type UnitResult } from "../../validators/types.js";
import { oneOf, parseFlags } from "../args.js";

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
      --repo-url URL                       URL that means "this repository" for Argo CD path checks (repeatable)
      --no-terraform, --no-gitops          turn off those checks
Exit codes: 0 all valid, 1 any invalid resource or error, 2 bad usage.
`;

function readStdin(): string {
  try {
    return readFileSync(0, "utf8");
  } catch (error) {
    throw new InputError(`cannot read stdin: ${(error as Error).message}`);
  }
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

/** A folder is validated as one repository (so GitOps references resolve inside it); a file on its own. */
function collect(path: string, ignore: RegExp[]): { root: string; files: SourceFile[] } {
  if (path === "-") return { root: "", files: [{ path: "stdin", content: readStdin() }] };
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new InputError(`${path}: no such file or directory`);
  }
  const keep = (p: string) => !ignore.some((re) => re.test(p));
  if (!isDir) return { root: "", files: keep(path) ? [{ path, content: readFileSync(path, "utf8") }] : [] };
  const files = listFilesRecursive(path)
    .filter((rel) => !rel.split("/").some((segment) => segment === ".git" || segment === "node_modules" || segment === ".terraform"))
    .filter((rel) => /\.(ya?ml|json|tf)$/i.test(rel) && keep(rel))
    .map((rel) => ({ path: rel, content: readFileSync(join(path, rel), "utf8") }));
  return { root: path, files };
}

export async function run(argv: string[]): Promise<number> {
  const { values: opts, positionals } = parseFlags(argv, flags);
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const format: ReportFormat = oneOf("output", opts.output, reportFormats) ?? "text";
  const options: ValidateOptions = {
    strict: opts.strict ?? false,
    kubernetesVersion: opts["kubernetes-version"],
    schemaLocations: opts["schema-location"],
    crdFiles: opts.crd,
    ignoreMissingSchemas: opts["ignore-missing-schemas"],
    skipKinds: opts.skip?.split(",").map((kind) => kind.trim()).filter(Boolean),
    terraform: !opts["no-terraform"],
    gitops: !opts["no-gitops"],
    repoUrls: opts["repo-url"],
  };
  const ignore = compilePatterns(opts["ignore-filename-pattern"]);
  const results: UnitResult[] = [];
  for (const path of positionals.length > 0 ? positionals : ["."]) {
    const { root, files } = collect(path, ignore);
    const report = await validateFiles(files, root ? options : { ...options, gitops: false });
    const display = (file: string) => (root && root !== "." ? relative(process.cwd(), join(root, file)) : file);
    for (const result of report.results) {
      results.push({ ...result, file: display(result.file), problems: result.problems.map((p) => ({ ...p, file: display(p.file) })) });
    }
  }
  const report = summarize(results);
  process.stdout.write(formatReport(report, format, { color: process.stdout.isTTY === true && !process.env.NO_COLOR, toolVersion: readPackageVersion() }));
  return report.valid ? 0 : 1;
}
