// The forges the tool publishes to: one file per forge in src/forge/kinds/, each a ForgeDefinition, listed here and
// nowhere else. Everything else (the `forge` parameter's values, CLI flags, the resolver, which CI the render holds:
// templates/forge/<kind>/) is derived from this record; test/forge-contract.test.ts names what a new forge lacks.
import type { ForgeDefinition } from "./definition.js";
import { github } from "./kinds/github.js";
import { gitlab } from "./kinds/gitlab.js";

export const forges = { github, gitlab } as const satisfies Record<string, ForgeDefinition>;

/** A forge's id, as the `forge` parameter and `forges` name it. */
export type ForgeKind = keyof typeof forges;

export const forgeKinds = Object.keys(forges).sort() as ForgeKind[];

/** Whether `kind` names a forge the tool knows. */
export function isForgeKind(kind: string): kind is ForgeKind {
  return Object.hasOwn(forges, kind);
}

/** The definition of `kind`, typed as the common interface. */
export function forgeDefinition(kind: ForgeKind): ForgeDefinition {
  return forges[kind];
}

/**
 * The forge a repository URL is on when nothing says otherwise: the one whose well-known hosts it matches
 * (github.com, gitlab.com or a host named gitlab.*), else GitHub. `--github`/`--gitlab` and `--set forge=` decide
 * where they are given.
 */
export function inferForge(repoUrl: string | undefined): ForgeKind {
  let hostname: string;
  try {
    hostname = new URL(repoUrl ?? "").hostname;
  } catch {
    return "github";
  }
  const match = forgeKinds.find((kind) => forges[kind].recognizes(hostname));
  return match ?? "github";
}
