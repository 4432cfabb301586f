import { listBlueprints } from "../blueprints/registry.js";
import { listAddons } from "../catalog/list.js";
import { flagLines, wrap } from "./args.js";
import { commands, createCommand, programFlags } from "./flags.js";

/**
 * The main help, from the flag declarations (src/cli/flags.ts) and the blueprint registry, so it never goes stale.
 * test/cli-help.test.ts runs every example below.
 */
export const EXAMPLES = [
  "npx create-cluster-repo --blueprint kosmos-multicloud --yes --set repoUrl=https://github.com/acme/my-cluster.git ./my-cluster",
  "npx create-cluster-repo --blueprint aks-gpu --gitops argo --set adminGroupObjectIds=8b6f7c2e-0d1a-4f5e-9c3b-2a7d6e4f1b09 --github acme/aks ./aks",
  "npx create-cluster-repo validate --strict .",
];

export function mainHelp(): string {
  const blueprints = listBlueprints();
  const addons = listAddons();
  const width = Math.max(...blueprints.map((b) => b.id.length), ...addons.map((a) => a.name.length));
  const usages = commands.flatMap((command) => command.usage.map((line) => `create-cluster-repo ${line}`));
  return `create-cluster-repo — turn a blueprint into a validated GitOps repository for a managed Kubernetes cluster

Usage:
${usages.map((line) => `  ${line}`).join("\n")}

${wrap(createCommand.summary, 118, 0)}

Create options:
${flagLines(createCommand.flags)}

Options of the program:
${flagLines(programFlags)}

Run \`create-cluster-repo <command> --help\` for the options of ${commands
    .slice(1)
    .map((command) => command.name)
    .join(", ")}.

Blueprints:
${blueprints.map((b) => `  ${b.id.padEnd(width)}  ${b.title}`).join("\n")}

Add-ons (--set addons.<name>.enabled=true; \`create-cluster-repo addons show <name>\` for their values):
${addons.map((a) => `  ${a.name.padEnd(width)}  ${a.description}`).join("\n")}

Exit codes: 0 done (or valid, or already up to date), 1 invalid output or failed operation, 2 bad usage or input.
Examples:
${EXAMPLES.map((example) => `  ${example}`).join("\n")}
`;
}
