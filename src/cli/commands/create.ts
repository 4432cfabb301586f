import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { blueprintIds, assertKnownBlueprint } from "../../blueprints/registry.js";
import { loadBlueprint } from "../../blueprints/load.js";
import { UsageError, ValidationFailedError } from "../../errors.js";
import type { FileTree } from "../../file-tree.js";
import { gitAt } from "../../git/client.js";
import { targetReader } from "../../git/read-target.js";
import { checkpoint } from "../../interrupt.js";
import { networkTimeoutMs } from "../../network.js";
import { createClusterRepo, type CreateClusterRepoResult } from "../../pipeline.js";
import type { PublishResult } from "../../publish.js";
import { escapeLine, escapeText } from "../../terminal-text.js";
import { forgeKinds, forges, type ForgeKind } from "../../forge/registry.js";
import { formatReport } from "../../validators/report/index.js";
import { parseCommand } from "../args.js";
import { createCommand } from "../flags.js";
import { mainHelp } from "../help.js";
import { paramsInputFromFlags } from "../params-input.js";
import { canPrompt, promptBlueprint, promptParams } from "../prompts.js";
import { terminalReporter } from "../terminal-reporter.js";
import type { CliIo } from "../io.js";

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(createCommand, argv);
  if (opts.help) {
    io.stdout.write(mainHelp());
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected at most one target directory, got ${positionals.length}: ${positionals.join(" ")}`);
  if (opts.diff && !opts["dry-run"]) throw new UsageError("--diff goes with --dry-run: '--diff' prints what '--dry-run' would write");
  const output = opts.output ?? "text";
  const timeoutMs = networkTimeoutMs(opts["network-timeout"], io.env);
  const interactive = canPrompt(opts.yes, io);

  // 1. Blueprint and parameters: flags > values file > prompts > defaults.
  let blueprintId = opts.blueprint;
  if (!blueprintId) {
    if (!interactive) throw new UsageError(`--blueprint is required; one of: ${blueprintIds().join(", ")}. Add --yes to take every default.`);
    blueprintId = await promptBlueprint(blueprintIds());
  }
  assertKnownBlueprint(blueprintId);
  const params = paramsInputFromFlags(opts);
  const publishTo = publishTarget(opts, params);
  if (interactive) params.prompted = await promptParams(loadBlueprint(blueprintId), params);
  if (publishTo) {
    // The GitOps source is the repository on the forge the user named (its URL is checked here, before any work),
    // and the render's CI is that forge's.
    const { publishedRepositoryUrl } = await import("../../publish.js");
    const source = `${forges[publishTo.kind].repoFlag} ${publishTo.slug}`;
    const repoUrl = publishedRepositoryUrl(publishTo.slug, { kind: publishTo.kind, apiUrl: publishTo.apiUrl });
    params.sets = [{ path: ["repoUrl"], raw: repoUrl, source }, { path: ["forge"], raw: publishTo.kind, source }, ...(params.sets ?? [])];
  }

  // 2. Render, validate, write, commit.
  const targetDir = positionals[0] ?? (await defaultTargetDir(blueprintId, params));
  let result;
  try {
    result = (publishTo && !opts.force && !opts["dry-run"] && (await resumePublish(blueprintId, targetDir, params, io))) || (await createClusterRepo({
      blueprint: blueprintId,
      targetDir,
      params,
      dryRun: opts["dry-run"],
      force: opts.force,
      reporter: terminalReporter(io.stderr),
    }));
  } catch (error) {
    if (error instanceof ValidationFailedError) io.stdout.write(formatReport(error.report, output));
    throw error;
  }

  // 3. Optionally publish to the forge (not after Ctrl-C: the repository is whole, and re-running publishes it).
  let published: PublishResult | undefined;
  if (publishTo && !opts["dry-run"]) {
    checkpoint(`${relative(process.cwd(), result.targetDir) || "."} is complete and committed, and was not published; re-run the same command to publish it`);
    const { connectForge, publishRepository, withResumeHint } = await import("../../publish.js");
    try {
      const target = connectForge({ kind: publishTo.kind, apiUrl: publishTo.apiUrl, timeoutMs, env: io.env });
      published = await publishRepository(target, { dir: result.targetDir, repo: publishTo.slug, private: opts.private ?? false, prFirst: opts["pr-first"] ?? false });
    } catch (error) {
      throw withResumeHint(error, relative(process.cwd(), result.targetDir) || ".");
    }
  }

  if (output === "json") {
    io.stdout.write(
      `${JSON.stringify({ targetDir: result.targetDir, dryRun: Boolean(opts["dry-run"]), files: [...result.tree.keys()], commit: result.commit, untracked: result.untracked ?? [], warnings: result.warnings, validation: result.report.summary, [publishTo?.kind ?? "github"]: published }, null, 2)}\n`,
    );
  } else if (opts["dry-run"]) {
    io.stdout.write(escapeText(opts.diff ? await renderDiff(result.tree, result.targetDir) : `${[...result.tree.keys()].join("\n")}\n`));
    io.stderr.write(escapeText(`dry run: ${result.tree.size} files rendered and validated for ${result.targetDir}; nothing was written\n`));
  } else {
    io.stdout.write(escapeText(createdText(result, blueprintId, published, publishTo?.kind)));
  }
  return 0;
}

/** The summary of a create: where, which branch (and the user's own branch when the render went beside it), what was left. */
function createdText(result: CreateClusterRepoResult, blueprintId: string, published: PublishResult | undefined, kind: ForgeKind = "github"): string {
  const shown = relative(process.cwd(), result.targetDir) || ".";
  const commit = result.commit;
  const where = published?.branch
    ? `proposed on branch ${published.branch}`
    : `commit ${commit?.sha?.slice(0, 7) ?? "-"} on ${commit?.branch}`;
  const untracked = result.untracked ?? [];
  const left = untracked.length
    ? `Left ${untracked.length} file${untracked.length === 1 ? "" : "s"} that ${untracked.length === 1 ? "was" : "were"} already in ${shown} untracked, not committed: ` +
      `${untracked.slice(0, 10).map(escapeLine).join(", ")}${untracked.length > 10 ? ` and ${untracked.length - 10} more` : ""}. Add ${untracked.length === 1 ? "it" : "them"} yourself if ${untracked.length === 1 ? "it belongs" : "they belong"} in the repository.\n`
    : "";
  return (
    `Created ${shown} from blueprint ${blueprintId}: ${result.tree.size} files, ${result.report.summary.valid + result.report.summary.checks.valid} checks passed, ${where}.\n` +
    left +
    (published ? publishedText(published, kind) : "") +
    (result.repoUrlSet
      ? `Next: read ${join(shown, "README.md")} to publish the repository, create the cluster and bootstrap GitOps.\n`
      : `Next: set repoUrl (see the warning: until then validate and check fail), then read ${join(shown, "README.md")}.\n`)
  );
}

function publishedText(published: PublishResult, kind: ForgeKind): string {
  const { changeRequest, changeRequestRef } = forges[kind];
  const repository = `${published.created ? "Created" : "Using existing"} repository ${published.url}`;
  if (!published.pullRequest) return `${repository}; pushed main.\n`;
  const what = `${changeRequest[0]!.toUpperCase()}${changeRequest.slice(1)}`;
  return (
    `${repository}; the render is on branch ${published.branch}.\n` +
    `${what} ${changeRequestRef(published.pullRequest.number)} ${published.pullRequest.created ? "opened" : "updated"}: ${published.pullRequest.url}\n`
  );
}

type CreateFlags = ReturnType<typeof parseCommand<typeof createCommand.flags>>["values"];

/**
 * Where `--github` or `--gitlab` publishes, checked before any work: one forge, its own API flag, and no `--set
 * forge=` that would render another forge's CI than the one published to.
 * @throws UsageError (exit 2) naming the flags that disagree.
 */
function publishTarget(opts: CreateFlags, params: ReturnType<typeof paramsInputFromFlags>): { kind: ForgeKind; slug: string; apiUrl: string | undefined } | undefined {
  const named = forgeKinds.filter((kind) => opts[kind] !== undefined);
  if (named.length > 1) {
    throw new UsageError(`${named.map((kind) => forges[kind].repoFlag).join(" and ")} are mutually exclusive: a repository is published to one forge; keep one`);
  }
  for (const kind of forgeKinds) {
    const flag = forges[kind].apiUrlFlag.slice(2) as keyof CreateFlags;
    if (opts[flag] !== undefined && named[0] !== kind) {
      throw new UsageError(`${forges[kind].apiUrlFlag} goes with ${forges[kind].repoFlag}: it names the ${forges[kind].label} that ${forges[kind].repoFlag} publishes to`);
    }
  }
  for (const flag of ["pr-first", "private"] as const) {
    if (opts[flag] && named.length === 0) throw new UsageError(`--${flag} goes with --github or --gitlab: it says how the repository is published`);
  }
  const kind = named[0];
  if (!kind) return undefined;
  const forgeSet = [...(params.sets ?? [])].reverse().find((set) => set.path.length === 1 && set.path[0] === "forge");
  if (forgeSet && forgeSet.raw !== kind) {
    throw new UsageError(`${forgeSet.source} disagrees with ${forges[kind].repoFlag}: the repository is published to ${forges[kind].label}, so its CI is ${forges[kind].label}'s; drop ${forgeSet.source}`);
  }
  return { kind, slug: opts[kind] as string, apiUrl: opts[forges[kind].apiUrlFlag.slice(2) as keyof CreateFlags] as string | undefined };
}

/**
 * A re-run of `create --github` (or `--gitlab`) after its publish failed: the target already holds this exact render, committed,
 * so the render is validated again but not written, and only the publishing is done. `undefined` when the target
 * is anything else (then the usual rules apply: empty, or --force).
 */
async function resumePublish(blueprint: string, targetDir: string, params: ReturnType<typeof paramsInputFromFlags>, io: CliIo) {
  const dir = resolve(targetDir);
  const entries = (() => {
    try {
      return readdirSync(dir);
    } catch {
      return []; // absent, or not a directory: the pipeline says so
    }
  })();
  if (entries.length === 0) return undefined;
  const { holdsCommittedRender } = await import("../../publish.js");
  const preview = await createClusterRepo({ blueprint, targetDir: dir, params, dryRun: true });
  if (!(await holdsCommittedRender(dir, preview.tree))) return undefined;
  const { currentBranch } = await import("../../git/repo.js");
  const [sha, branch] = await Promise.all([gitAt(dir).revparse(["HEAD"]), currentBranch(dir)]);
  io.stderr.write(escapeText(`note: ${relative(process.cwd(), dir) || "."} already holds this render, committed; publishing it\n`));
  return { ...preview, commit: { sha: sha.trim(), branch: branch ?? "HEAD" } };
}

async function defaultTargetDir(blueprintId: string, params: ReturnType<typeof paramsInputFromFlags>): Promise<string> {
  const fromSet = [...(params.sets ?? [])].reverse().find((set) => set.path.length === 1 && set.path[0] === "clusterName")?.raw;
  const fromValues = typeof params.prompted?.clusterName === "string" ? params.prompted.clusterName : params.values?.clusterName;
  const name = fromSet ?? (typeof fromValues === "string" ? fromValues : undefined) ?? ((loadBlueprint(blueprintId).paramsSchema as any).properties.clusterName.default as string);
  return resolve(/^[a-z][-a-z0-9]*$/.test(name) ? name : blueprintId);
}

/**
 * --dry-run --diff: each file as a unified diff against what the target directory holds now, read as writes are
 * checked (no symlink out of the target, regular files only).
 */
async function renderDiff(tree: FileTree, targetDir: string): Promise<string> {
  const { createTwoFilesPatch } = await import("diff"); // only for --dry-run --diff: not a cost of every create
  const read = await targetReader(targetDir);
  let out = "";
  for (const [path, content] of tree) {
    const before = (await read(path)) ?? "";
    if (before === content) continue;
    out += createTwoFilesPatch(before ? `a/${path}` : "/dev/null", `b/${path}`, before, content, "", "", { context: 3 });
  }
  return out;
}
