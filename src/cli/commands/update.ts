import { resolve } from "node:path";
import { networkTimeoutMs } from "../../network.js";
import { escapeText } from "../../terminal-text.js";
import { updateRepository, type UpdateOptions } from "../../update/apply.js";
import { formatTerraformWarning } from "../../update/summary.js";
import { oneOf, parseFlags } from "../args.js";
import { paramsInputFromFlags } from "../params-input.js";

const flags = {
  set: { type: "string", multiple: true, short: "s" },
  values: { type: "string", short: "f" },
  gitops: { type: "string" },
  "blueprint-version": { type: "string" },
  branch: { type: "string" },
  message: { type: "string", short: "m" },
  pr: { type: "boolean" },
  conflict: { type: "string" },
  "github-api-url": { type: "string" },
  "network-timeout": { type: "string" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values: opts, positionals } = parseFlags(argv, flags);
  if (opts.help) {
    process.stdout.write(
      "Usage: create-cluster-repo update [dir] [--set key=value]... [--values file] [--gitops flux|argo] [--blueprint-version latest]\n" +
        "                                  [--branch name] [--message msg] [--pr [--github-api-url URL] [--network-timeout s]] [--conflict refuse|markers]\n" +
        "Re-renders with the changes, merges your edits (3-way), and commits on create-cluster-repo/<change> started from\n" +
        "main (or the current branch when it is not an update branch). Keys with dots: --set 'labels[\"topology.kubernetes.io/region\"]=x'.\n",
    );
    return 0;
  }
  const dir = resolve(positionals[0] ?? ".");
  const conflict = oneOf("conflict", opts.conflict, ["refuse", "markers"] as const);
  const options: UpdateOptions = { branch: opts.branch, message: opts.message, conflict, blueprintVersion: opts["blueprint-version"] };
  if (opts.pr) {
    const { connectForge, pullRequestPublisher } = await import("../../publish.js");
    options.pr = await pullRequestPublisher(connectForge({ apiUrl: opts["github-api-url"], timeoutMs: networkTimeoutMs(opts["network-timeout"]) }), dir);
  }
  const result = await updateRepository(dir, paramsInputFromFlags(opts), options);
  // Branch names, parameter paths and the forge's URLs are shown escaped.
  const print = (stream: NodeJS.WriteStream, text: string) => stream.write(escapeText(text));
  if (result.resumed) print(process.stderr, `note: ${result.resumed}\n`);
  for (const warning of result.plan.rendered.warnings) print(process.stderr, `warning: ${warning}\n`);
  print(process.stdout, formatTerraformWarning(result.plan.summary.terraform));
  if (result.upToDate) print(process.stdout, `Already up to date on ${result.branch}.\n`);
  else print(process.stdout, `Committed ${result.sha?.slice(0, 7)} on ${result.branch}: ${result.plan.paramChanges.map((c) => c.path).join(", ") || "re-render"}.\n`);
  if (result.pullRequest) print(process.stdout, `Pull request #${result.pullRequest.number} ${result.pullRequest.created ? "opened" : "updated"}: ${result.pullRequest.url}\n`);
  return 0;
}
