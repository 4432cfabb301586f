import { resolve } from "node:path";
import { escapeText } from "../../terminal-text.js";
import { commandHelp, parseCommand } from "../args.js";
import { checkCommand } from "../flags.js";
import { checkRepository } from "../../update/check.js";
import { assertToolRepository } from "../../update/locate.js";
import type { CliIo } from "../io.js";

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(checkCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(checkCommand));
    return 0;
  }
  const dir = resolve(positionals[0] ?? ".");
  await assertToolRepository(dir, "check", { git: false });
  const differences = await checkRepository(dir, opts.allow ?? []);
  if (differences.length === 0) {
    io.stdout.write("All generated files match the answers file.\n");
    return 0;
  }
  const what = { missing: "generated file is missing", modified: "differs from the render of the answers file", unset: "a required parameter is unset" } as const;
  for (const difference of differences) {
    io.stdout.write(escapeText(`${difference.path}: ${what[difference.kind]}\n${difference.diff}`));
  }
  const files = differences.filter((difference) => difference.kind !== "unset").length;
  if (files > 0) {
    io.stdout.write(
      `${files} generated file(s) differ from cluster-repo.yaml. Change parameters with \`create-cluster-repo update --set ...\`, or allow hand-maintained paths with --allow.\n`,
    );
  }
  return 1;
}
