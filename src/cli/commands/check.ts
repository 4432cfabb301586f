import { resolve } from "node:path";
import { escapeText } from "../../terminal-text.js";
import { parseFlags } from "../args.js";
import { checkRepository } from "../../update/check.js";
import { assertToolRepository } from "../../update/locate.js";

export async function run(argv: string[]): Promise<number> {
  const { values: opts, positionals } = parseFlags(argv, { allow: { type: "string", multiple: true }, verbose: { type: "boolean" }, help: { type: "boolean", short: "h" } });
  if (opts.help) {
    process.stdout.write("Usage: create-cluster-repo check [dir] [--allow GLOB]...\nFails (exit 1) when generated files differ from what the answers file produces.\n");
    return 0;
  }
  const dir = resolve(positionals[0] ?? ".");
  await assertToolRepository(dir, "check", { git: false });
  const differences = await checkRepository(dir, opts.allow ?? []);
  if (differences.length === 0) {
    process.stdout.write("All generated files match the answers file.\n");
    return 0;
  }
  for (const difference of differences) {
    process.stdout.write(escapeText(`${difference.path}: ${difference.kind === "missing" ? "generated file is missing" : "differs from the render of the answers file"}\n${difference.diff}`));
  }
  process.stdout.write(
    `${differences.length} generated file(s) differ from cluster-repo.yaml. Change parameters with \`create-cluster-repo update --set ...\`, or allow hand-maintained paths with --allow.\n`,
  );
  return 1;
}
