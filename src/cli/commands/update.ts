import { resolve } from "node:path";
import { UsageError } from "../../errors.js";
import { gitAt } from "../../git/client.js";
import { updateRepository, type UpdateOptions } from "../../update/apply.js";
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
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** owner/repo from a GitHub remote URL (https or ssh). */
function repoFromRemote(url: string): { owner: string; repo: string } {
  const match = /[/:]([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/.exec(url);
  if (!match) throw new UsageError(`cannot tell the GitHub repository from the origin remote ${url}`);
  return { owner: match[1]!, repo: match[2]! };
}

export async function run(argv: string[]): Promise<number> {
  const { values: opts, positionals } = parseFlags(argv, flags);
  if (opts.help) {
    process.stdout.write(
      "Usage: create-cluster-repo update [dir] [--set key=value]... [--values file] [--gitops flux|argo] [--blueprint-version latest]\n" +
        "                                  [--branch name] [--message msg] [--pr [--github-api-url URL]] [--conflict refuse|markers]\n" +
        "Re-renders with the changes, merges your edits (3-way), and commits on create-cluster-repo/<change> started from\n" +
        "main (or the current branch when it is not an update branch). Keys with dots: --set 'labels[\"topology.kubernetes.io/region\"]=x'.\n",
    );
    return 0;
  }
  const dir = resolve(positionals[0] ?? ".");
  const conflict = oneOf("conflict", opts.conflict, ["refuse", "markers"] as const);
  const options: UpdateOptions = { branch: opts.branch, message: opts.message, conflict, blueprintVersion: opts["blueprint-version"] };
  if (opts.pr) {
    const remoteUrl = (await gitAt(dir).raw(["remote", "get-url", "origin"]).catch(() => "")).trim();
    if (!remoteUrl) throw new UsageError("--pr needs an `origin` remote: add one with `git remote add origin <url>`");
    const { createForge } = await import("../../forge/index.js");
    const { githubToken } = await import("./github.js");
    const token = githubToken();
    const forge = createForge({ kind: "github", token, apiUrl: opts["github-api-url"] });
    const { owner, repo } = repoFromRemote(remoteUrl);
    options.pr = { remoteUrl, token, open: (_plan, head, base, title, body) => forge.upsertPullRequest({ owner, repo, head, base, title, body }) };
  }
  const result = await updateRepository(dir, paramsInputFromFlags(opts), options);
  if (result.resumed) process.stderr.write(`note: ${result.resumed}\n`);
  for (const warning of result.plan.rendered.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (result.upToDate) process.stdout.write(`Already up to date on ${result.branch}.\n`);
  else process.stdout.write(`Committed ${result.sha?.slice(0, 7)} on ${result.branch}: ${result.plan.paramChanges.map((c) => c.path).join(", ") || "re-render"}.\n`);
  if (result.pullRequest) process.stdout.write(`Pull request #${result.pullRequest.number} ${result.pullRequest.created ? "opened" : "updated"}: ${result.pullRequest.url}\n`);
  return 0;
}
