import { resolve } from "node:path";
import { isNewerVersion } from "../../blueprints/versions.js";
import { defaults } from "../../defaults.js";
import { escapeText } from "../../terminal-text.js";
import { commandHelp, parseCommand } from "../args.js";
import { checkCommand } from "../flags.js";
import { checkRepository } from "../../update/check.js";
import { assertToolRepository } from "../../update/locate.js";
import { readAnswers } from "../../update/plan.js";
import { releasesOf } from "../../update/release.js";
import type { CliIo } from "../io.js";
import { clusterHeading, selectClusters, unrenderableCluster } from "../fleet-selection.js";

const tool = defaults.toolName;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(checkCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(checkCommand));
    return 0;
  }
  const dir = resolve(positionals[0] ?? ".");
  await assertToolRepository(dir, "check", { git: false });
  // Every cluster of a fleet (CI runs check once for the whole repository), each with its own verdict.
  const { fleet, members } = selectClusters(dir, opts, "every");
  let status = 0;
  for (const member of members) {
    io.stdout.write(escapeText(clusterHeading(fleet, member)));
    try {
      status = Math.max(status, await checkCluster(dir, member.root, opts.allow ?? [], io));
    } catch (error) {
      io.stdout.write(escapeText(unrenderableCluster(error, members)));
      status = Math.max(status, 1);
    }
  }
  return status;
}

async function checkCluster(dir: string, root: string, allow: string[], io: CliIo): Promise<number> {
  const differences = await checkRepository(dir, allow, root);
  if (differences.length === 0) {
    io.stdout.write("All generated files match the answers file.\n");
    return 0;
  }
  const write = (text: string) => io.stdout.write(escapeText(text));
  const of = (kind: string) => differences.filter((d) => d.kind === kind);
  for (const unset of of("unset")) write(`${unset.path}: a required parameter is unset\n${unset.diff}`);

  // Two causes, told apart: the repository was rendered by an older release, or a generated file was edited by hand.
  const outdated = [...of("older-release"), ...of("outdated")];
  if (outdated.length > 0) {
    const { tool: versions, blueprint } = releasesOf(readAnswers(dir, root));
    const older = blueprint.from !== blueprint.to || isNewerVersion(versions.to, versions.from);
    const heading = older
      ? `Rendered by an older release: ${tool} ${versions.from} rendered this repository (blueprint ${blueprint.id} ${blueprint.from}); ` +
        `this ${tool} ${versions.to} renders ${blueprint.id} ${blueprint.to}. Run \`${tool} update\` to bring the new templates (\`${tool} plan\` shows them first).\n`
      : `Not what ${defaults.answersFile} renders: ${defaults.answersFile} changed since ${tool} last rendered the repository. Run \`${tool} update\` to render it (\`${tool} plan\` shows the change first).\n`;
    write(heading);
    for (const file of of("outdated")) write(`${file.path}: ${older ? "the new templates render it differently" : "renders differently"}\n${file.diff}`);
  }
  const edited = [...of("modified"), ...of("missing")];
  if (edited.length > 0) {
    write(`Generated files edited by hand (${edited.length}), against what ${tool} wrote:\n`);
    for (const file of edited) write(`${file.path}: ${file.kind === "missing" ? "generated file is missing" : "edited by hand"}\n${file.diff}`);
    write(
      `${edited.length} generated file(s) edited by hand. Keep your own workloads in team/ (see team/README.md), change parameters with \`${tool} update --set ...\`, ` +
        "or allow hand-maintained paths with --allow.\n",
    );
  }
  return 1;
}
