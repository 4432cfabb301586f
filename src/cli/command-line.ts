/**
 * What a command line runs, read from its first argument alone. Shared by the CLI's entry (src/cli/main.ts, which
 * keeps V8's code cache of the CLI bundle per command) and the dispatch (src/cli/run.ts), so they never disagree.
 */
export const COMMAND_NAMES = ["blueprints", "addons", "validate", "plan", "update", "check", "create", "secrets", "add-cluster", "remove-cluster", "promote"] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** The main help, the version, or a command: `create` when the first argument names none (`create-cluster-repo -b ...`). */
export function commandOf(argv: readonly string[]): CommandName | "help" | "version" {
  const first = argv[0];
  if (first === undefined || first === "--help" || first === "-h" || first === "help") return "help";
  if (first === "--version" || first === "-v") return "version";
  return (COMMAND_NAMES as readonly string[]).includes(first) ? (first as CommandName) : "create";
}
