/**
 * Which modules of the repository call which (`module "x" { source = "./modules/x" }`), so that a child module is
 * checked against the provider release its callers pin: Terraform resolves one release per provider for a whole
 * configuration, from the constraints of every module in it, and a child without `required_providers` has none of
 * its own.
 */
import { posix } from "node:path";
import type { HclScan } from "./hcl-scan.js";
import { moduleConstraints } from "./table-fit.js";

/** Chains longer than this (or a cycle) stop: real configurations nest a few levels. */
const MAX_DEPTH = 16;

/** The repository folder a `module` block's local `source` names, or undefined (registry, Git, outside the repository). */
export function localModuleSource(expr: string, dir: string): string | undefined {
  const source = /^"((?:\.\.?\/)[^"]*)"$/.exec(expr.trim())?.[1];
  if (source === undefined) return undefined;
  const resolved = posix.normalize(posix.join(dir === "" ? "." : dir, source)).replace(/\/$/, "");
  if (resolved === ".." || resolved.startsWith("../")) return undefined;
  return resolved === "." ? "" : resolved;
}

/**
 * Per module folder, the constraints its callers bring: one map (provider -> constraints) per chain of callers up to
 * a module nobody calls, each map holding every caller's constraints along that chain. Folders nobody calls are absent.
 */
export function inheritedConstraints(modules: ReadonlyMap<string, readonly HclScan[]>): Map<string, Map<string, string[]>[]> {
  const callers = new Map<string, Set<string>>();
  for (const [dir, scans] of modules) {
    for (const scan of scans) {
      for (const block of scan.body.blocks) {
        if (block.type !== "module") continue;
        const source = block.body.attributes.find((attribute) => attribute.name === "source");
        const child = source ? localModuleSource(source.expr, dir) : undefined;
        if (child === undefined || child === dir || !modules.has(child)) continue;
        const set = callers.get(child) ?? new Set<string>();
        set.add(dir);
        callers.set(child, set);
      }
    }
  }
  const own = new Map<string, Map<string, string[]>>();
  for (const [dir, scans] of modules) own.set(dir, moduleConstraints(scans));

  const chains = (dir: string, seen: ReadonlySet<string>): Map<string, string[]>[] => {
    const direct = callers.get(dir);
    if (!direct || seen.size >= MAX_DEPTH) return [new Map()];
    const result: Map<string, string[]>[] = [];
    const keys = new Set<string>();
    for (const caller of [...direct].sort()) {
      if (seen.has(caller)) continue;
      for (const above of chains(caller, new Set([...seen, caller]))) {
        const merged = new Map(above);
        for (const [provider, list] of own.get(caller) ?? []) merged.set(provider, [...(merged.get(provider) ?? []), ...list]);
        const key = JSON.stringify([...merged].sort());
        if (keys.has(key)) continue;
        keys.add(key);
        result.push(merged);
      }
    }
    return result.length > 0 ? result : [new Map()];
  };

  const inherited = new Map<string, Map<string, string[]>[]>();
  for (const dir of callers.keys()) inherited.set(dir, chains(dir, new Set([dir])));
  return inherited;
}
