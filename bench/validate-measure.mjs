/**
 * Runs the built CLI's `validate` as a whole process and measures it: wall time, and peak RSS of the process (all
 * its threads) from GNU time's %M when /usr/bin/time exists, else from process.resourceUsage() of a small wrapper
 * process that imports the CLI (maxRSS covers the whole process, worker threads included).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The package's `bin`, wherever the build puts it. */
export const cli = join(root, Object.values(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).bin)[0]);
const timeBin = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

/** Wrapper for machines without GNU time: runs the CLI in-process, prints maxRSS (KiB) to stderr on exit. */
const WRAPPER = `import { pathToFileURL } from "node:url";
process.on("exit", () => process.stderr.write("\\n" + process.resourceUsage().maxRSS + "\\n"));
await import(pathToFileURL(process.argv[1]).href);`;

export function requireBuild() {
  if (!existsSync(cli) || !existsSync(join(root, "dist", "validators", "kubernetes", "worker.js"))) {
    console.error("dist/ is missing: run `npm run build` first");
    process.exit(2);
  }
}

/**
 * `node <cli> validate ...args`: { seconds, rssMiB, cpuPercent, status, stdout, stderr, command }. `env` is added to
 * this process's environment (XDG_CACHE_HOME: where the compiled code of the validators is kept between runs).
 */
export function runValidate(args, env = {}) {
  const node = [cli, "validate", ...args];
  const [command, argv] = timeBin
    ? [timeBin, ["-f", "%M %P", process.execPath, ...node]]
    : [process.execPath, ["--input-type=module", "-e", WRAPPER, "--", ...node]];
  const start = process.hrtime.bigint();
  const child = spawnSync(command, argv, { encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: "1", ...env } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // Last stderr line: "maxRSS-KiB CPU%" (GNU time; CPU% above 100 means more than one core was used) or "maxRSS-KiB".
  const [rssKiB, cpu] = (child.stderr.trim().split("\n").pop() ?? "").split(" ");
  return { seconds, rssMiB: Number(rssKiB) / 1024, cpuPercent: cpu ? Number(cpu.replace("%", "")) : undefined, status: child.status, stdout: child.stdout, stderr: child.stderr, command: `node ${[cli.replace(`${root}/`, ""), "validate", ...args].join(" ")}` };
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Kubernetes resources in a JSON report (its list also holds the GitOps, Terraform and workflow checks). */
export function kubernetesCounts(report) {
  const kubernetes = report.resources.filter((resource) => resource.validator === "kubernetes");
  return { resources: kubernetes.length, valid: kubernetes.filter((resource) => resource.status === "valid").length };
}
