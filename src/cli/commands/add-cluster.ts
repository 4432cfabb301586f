import { resolve } from "node:path";
import { UsageError, ValidationFailedError } from "../../errors.js";
import { addCluster } from "../../fleet/add-cluster.js";
import { forges, inferForge, isForgeKind, type ForgeKind } from "../../forge/registry.js";
import { escapeText } from "../../terminal-text.js";
import { readAnswers } from "../../update/plan.js";
import { assertToolRepository } from "../../update/locate.js";
import { formatReport } from "../../validators/report/index.js";
import { commandHelp, parseCommand } from "../args.js";
import { addClusterCommand } from "../flags.js";
import type { CliIo } from "../io.js";
import { pullRequestTarget } from "../pr-target.js";
import { paramsInputFromFlags } from "../params-input.js";

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(addClusterCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(addClusterCommand));
    return 0;
  }
  const [name, target, ...extra] = positionals;
  if (name === undefined) throw new UsageError("add-cluster needs the new cluster's name: add-cluster <name> --blueprint <bp> [dir]");
  if (extra.length > 0) throw new UsageError(`add-cluster takes a name and a directory; unexpected ${extra.join(" ")}`);
  if (opts.blueprint === undefined) throw new UsageError("add-cluster needs --blueprint <name> (`create-cluster-repo blueprints` lists them)");
  if (opts["dry-run"] && opts.pr) throw new UsageError("--dry-run writes nothing, so it opens no pull request: give one of them");
  const dir = resolve(target ?? ".");
  await assertToolRepository(dir, "add-cluster", { git: true });
  let pr;
  const kind = opts.pr ? repositoryForge(dir, opts) : "github";
  if (opts.pr) pr = await pullRequestTarget(kind, dir, opts, io);
  let result;
  try {
    result = await addCluster(dir, {
      name,
      blueprint: opts.blueprint,
      ...(opts.env !== undefined ? { environment: opts.env } : {}),
      params: paramsInputFromFlags(opts),
      dryRun: opts["dry-run"] ?? false,
      ...(pr ? { pr } : {}),
    });
  } catch (error) {
    if (error instanceof ValidationFailedError) io.stdout.write(formatReport(error.report, "text"));
    throw error;
  }
  const print = (text: string) => io.stdout.write(escapeText(text));
  for (const warning of result.rendered.warnings) io.stderr.write(escapeText(`warning: ${warning}\n`));
  if (opts.output === "json") {
    const { proposal } = result;
    print(`${JSON.stringify({ cluster: result.name, environment: result.environment, root: result.root, blueprint: result.rendered.blueprint.id, files: [...result.writes.keys()], valid: result.validation.introduced.valid, ...(proposal ? { branch: proposal.branch, sha: proposal.sha, pullRequest: proposal.pullRequest ?? null } : {}) }, null, 2)}\n`);
    return 0;
  }
  if (!result.proposal) {
    print(`Would add cluster ${result.name} (${result.rendered.blueprint.id}, environment ${result.environment}) in ${result.root}: ${result.writes.size} files, valid. Nothing was written.\n`);
    for (const path of result.writes.keys()) print(`  + ${path}\n`);
    return 0;
  }
  const { proposal } = result;
  print(`${proposal.already ? "Already proposed" : `Committed ${proposal.sha.slice(0, 7)}`} on ${proposal.branch}: cluster ${result.name} (${result.rendered.blueprint.id}, environment ${result.environment}), ${result.writes.size} files.\n`);
  if (proposal.pullRequest) print(changeRequestLine(kind, proposal.pullRequest));
  print(`Next: merge it, then follow ${result.root}README.md to create the cluster and bootstrap clusters/${result.name}.\n`);
  return 0;
}

/** The forge of the repository: an API flag's, else the first cluster's answers file's (as update reads it). */
export function repositoryForge(dir: string, opts: { "github-api-url"?: string; "gitlab-url"?: string }): ForgeKind {
  if (opts["github-api-url"] !== undefined && opts["gitlab-url"] !== undefined) throw new UsageError("--github-api-url and --gitlab-url are mutually exclusive: the repository is on one forge");
  if (opts["github-api-url"] !== undefined) return "github";
  if (opts["gitlab-url"] !== undefined) return "gitlab";
  const answers = readAnswers(dir);
  const recorded = answers.params.forge;
  return typeof recorded === "string" && isForgeKind(recorded) ? recorded : inferForge(typeof answers.params.repoUrl === "string" ? answers.params.repoUrl : undefined);
}


/** "Pull request #3 opened: <url>" on GitHub, "Merge request !3 ..." on GitLab. */
export function changeRequestLine(kind: ForgeKind, pullRequest: { number: number; created: boolean; url: string }): string {
  const { changeRequest, changeRequestRef } = forges[kind];
  return `${changeRequest[0]!.toUpperCase()}${changeRequest.slice(1)} ${changeRequestRef(pullRequest.number)} ${pullRequest.created ? "opened" : "updated"}: ${pullRequest.url}\n`;
}
