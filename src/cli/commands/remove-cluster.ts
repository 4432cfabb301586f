import { resolve } from "node:path";
import { UsageError } from "../../errors.js";
import { removeCluster } from "../../fleet/remove-cluster.js";
import { escapeText } from "../../terminal-text.js";
import { assertToolRepository } from "../../update/locate.js";
import { commandHelp, parseCommand } from "../args.js";
import { removeClusterCommand } from "../flags.js";
import type { CliIo } from "../io.js";
import { pullRequestTarget } from "../pr-target.js";
import { changeRequestLine, repositoryForge } from "./add-cluster.js";

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(removeClusterCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(removeClusterCommand));
    return 0;
  }
  const [name, target, ...extra] = positionals;
  if (name === undefined) throw new UsageError("remove-cluster needs the cluster's name: remove-cluster <name> [dir]");
  if (extra.length > 0) throw new UsageError(`remove-cluster takes a name and a directory; unexpected ${extra.join(" ")}`);
  if (opts["dry-run"] && opts.pr) throw new UsageError("--dry-run writes nothing, so it opens no pull request: give one of them");
  const dir = resolve(target ?? ".");
  await assertToolRepository(dir, "remove-cluster", { git: true });
  let pr;
  const kind = opts.pr ? repositoryForge(dir, opts) : "github";
  if (opts.pr) pr = await pullRequestTarget(kind, dir, opts, io);
  const result = await removeCluster(dir, name, { dryRun: opts["dry-run"] ?? false, ...(pr ? { pr } : {}) });
  const print = (text: string) => io.stdout.write(escapeText(text));
  const files = `${result.deletes.length} file(s) removed, ${result.writes.length} changed`;
  if (!result.proposal) print(`Would propose step "${result.step}" of removing ${name}: ${files}. Nothing was written.\n`);
  else print(`${result.proposal.already ? "Already proposed" : `Committed ${result.proposal.sha.slice(0, 7)}`} on ${result.proposal.branch}: step "${result.step}" of removing ${name}, ${files}.\n`);
  if (result.proposal?.pullRequest) print(changeRequestLine(kind, result.proposal.pullRequest));
  print(`Next: ${result.next}\n`);
  return 0;
}
