/**
 * The kubeconform wrapper: teams that already run kubeconform keep it as the Kubernetes engine, with this tool's
 * file selection, GitOps and Terraform checks and report formats around it.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { KubernetesValidatorOptions } from "../kubernetes/validator.js";
import type { UnitResult } from "../types.js";
import { foldKubeconformOutput, parseKubeconformOutput, type FileReader } from "./fold.js";

/** The `kubeconform` executable on PATH, or undefined. */
export function findKubeconform(pathVariable = process.env.PATH ?? ""): string | undefined {
  const name = process.platform === "win32" ? "kubeconform.exe" : "kubeconform";
  for (const dir of pathVariable.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * kubeconform's flags for the same options. `-verbose` lists valid and skipped resources too, so that every
 * resource gets a result; `-summary` adds the counts. Schema locations pass through unchanged: kubeconform reads
 * the same locations and templates ("default" is then kubeconform's own default, not the embedded schemas).
 */
export function kubeconformArgs(options: KubernetesValidatorOptions): string[] {
  const args = ["-output", "json", "-summary", "-verbose"];
  if (options.strict) args.push("-strict");
  if (options.kubernetesVersion) args.push("-kubernetes-version", options.kubernetesVersion);
  for (const location of options.schemaLocations ?? []) args.push("-schema-location", location);
  if (options.ignoreMissingSchemas) args.push("-ignore-missing-schemas");
  if (options.skipKinds?.length) args.push("-skip", options.skipKinds.join(","));
  if (options.cacheDir) args.push("-cache", options.cacheDir);
  return args;
}

export interface KubeconformRun {
  /** The kubeconform executable. */
  binary: string;
  /** Folder the file paths are relative to (kubeconform runs there, so that it reports the same paths). */
  cwd: string;
  /** Files to validate; empty with `stdin` set. */
  files: string[];
  /** Text to validate from standard input (kubeconform names it "stdin"). */
  stdin?: string;
  /** Reads a file again to find the lines of problems. */
  read: FileReader;
}

/** Many files go to several kubeconform runs, so that no command line gets near the system's length limit. */
const ARG_BYTES = 64 * 1024;

/** Runs kubeconform on the files and folds its report; rejects when kubeconform fails to run or to report. */
export async function runKubeconform(run: KubeconformRun, options: KubernetesValidatorOptions): Promise<UnitResult[]> {
  const args = kubeconformArgs(options);
  let results: UnitResult[] = [];
  for (const chunk of run.stdin !== undefined ? [["-"]] : chunks(run.files)) {
    const { stdout, stderr } = await execute(run.binary, [...args, ...chunk], run.cwd, run.stdin);
    let output;
    try {
      output = parseKubeconformOutput(stdout);
    } catch (error) {
      // kubeconform also exits 1 on bad flags or locations, with the reason on stderr and no report
      throw new Error(`${(error as Error).message}${stderr ? `\nkubeconform said: ${stderr}` : ""}`);
    }
    results = results.concat(foldKubeconformOutput(output, run.read));
  }
  return results;
}

function chunks(files: string[]): string[][] {
  const list: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length > 0 && bytes + file.length + 1 > ARG_BYTES) {
      list.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.length + 1;
  }
  if (current.length > 0) list.push(current);
  return list;
}

/** kubeconform exits 0 (all valid) or 1 (something invalid): both carry a report. Anything else is a failure. */
async function execute(binary: string, args: string[], cwd: string, stdin: string | undefined): Promise<{ stdout: string; stderr: string }> {
  // Loaded here: the embedded engine's runs (most of them) never start a process.
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd, stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", (error) => reject(new Error(`cannot run ${binary}: ${error.message}`)));
    child.once("close", (code, signal) => {
      const errors = Buffer.concat(stderr).toString("utf8").trim();
      if (code === 0 || code === 1) resolve({ stdout: Buffer.concat(stdout).toString("utf8"), stderr: errors });
      else reject(new Error(`kubeconform failed (${signal ?? `exit code ${code}`})${errors ? `: ${errors}` : ""}`));
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}
