/**
 * How big a parsed YAML document is once its aliases are expanded. js-yaml shares one object between an anchor and
 * its aliases, so parsing a billion-laughs bomb is cheap; everything after it that walks the data (schema
 * validation, JSON for the worker hand-off, the GitOps checks) expands it. This walk measures the expansion without
 * doing it: each shared object is measured once, so the cost is linear in the parsed data, whatever it expands to.
 */
import { MAX_NESTING_DEPTH } from "../limits.js";

export type ExpansionProblem = "cycle" | "depth" | "size";

export interface ExpansionLimits {
  /** Largest expanded size accepted, in characters (about the length of the data written out as JSON). */
  maxSize: number;
  maxDepth?: number;
}

/** The expanded size of `data`, or the first limit it passes. */
export function measureExpansion(data: unknown, limits: ExpansionLimits): { size: number } | { problem: ExpansionProblem } {
  const walk = new ExpansionWalk(limits.maxSize, limits.maxDepth ?? MAX_NESTING_DEPTH);
  try {
    return { size: walk.size(data, 1) };
  } catch (error) {
    if (error instanceof Stop) return { problem: error.problem };
    throw error;
  }
}

class Stop {
  constructor(readonly problem: ExpansionProblem) {}
}

class ExpansionWalk {
  /** Expanded size and height (levels of nesting, the node included) of each object measured so far. */
  private readonly measured = new Map<object, { size: number; height: number }>();
  /** Objects whose measure is under way: meeting one again is an alias to a node that contains it. */
  private readonly open = new Set<object>();

  constructor(
    private readonly maxSize: number,
    private readonly maxDepth: number,
  ) {}

  /** Size of `value` found at nesting level `depth` (the document's root is level 1). */
  size(value: unknown, depth: number): number {
    if (value === null || typeof value !== "object") return typeof value === "string" ? value.length + 2 : 4;
    const known = this.measured.get(value);
    if (known) {
      if (depth - 1 + known.height > this.maxDepth) throw new Stop("depth");
      return known.size;
    }
    if (this.open.has(value)) throw new Stop("cycle");
    if (depth > this.maxDepth) throw new Stop("depth");
    this.open.add(value);
    let size = 2;
    let height = 0;
    const add = (child: unknown, extra: number) => {
      size += this.size(child, depth + 1) + extra;
      height = Math.max(height, this.height(child));
      if (size > this.maxSize) throw new Stop("size");
    };
    if (Array.isArray(value)) {
      for (const item of value) add(item, 1);
    } else {
      for (const key of Object.keys(value)) add((value as Record<string, unknown>)[key], key.length + 4);
    }
    this.open.delete(value);
    this.measured.set(value, { size, height: height + 1 });
    return size;
  }

  private height(value: unknown): number {
    return value !== null && typeof value === "object" ? (this.measured.get(value)?.height ?? 1) : 1;
  }
}
