import { diff3Merge } from "node-diff3";

/** A file's three versions; `undefined` = absent. */
export interface MergeInput {
  path: string;
  /** What the generator produced last time (the answers file's render). */
  base?: string;
  /** The repository as it is (the team's edits). */
  theirs?: string;
  /** The new render. */
  ours?: string;
}

export interface ConflictHunk {
  base: string[];
  theirs: string[];
  ours: string[];
}

export type MergeOutcome =
  | { path: string; action: "keep" }
  | { path: string; action: "write"; content: string }
  | { path: string; action: "delete" }
  | { path: string; action: "conflict"; reason: string; hunks: ConflictHunk[]; withMarkers?: string };

const splitLines = (text: string) => text.split(/(?<=\n)/);

/**
 * Line-based three-way merge (diff3, as git and copier do): edits on one side only merge silently; edits to the
 * same lines on both sides are a conflict with its hunks, and the file can be written with conflict markers.
 */
export function mergeText(path: string, base: string, theirs: string, ours: string): MergeOutcome {
  if (theirs === ours) return { path, action: "keep" };
  if (theirs === base) return { path, action: "write", content: ours };
  if (ours === base) return { path, action: "keep" };
  const regions = diff3Merge(splitLines(theirs), splitLines(base), splitLines(ours), { excludeFalseConflicts: true });
  const hunks: ConflictHunk[] = [];
  let merged = "";
  let withMarkers = "";
  for (const region of regions as Array<{ ok?: string[]; conflict?: { a: string[]; o: string[]; b: string[] } }>) {
    if (region.ok) {
      merged += region.ok.join("");
      withMarkers += region.ok.join("");
    } else if (region.conflict) {
      const { a, o, b } = region.conflict;
      hunks.push({ theirs: a, base: o, ours: b });
      const ensureNewline = (lines: string[]) => { const text = lines.join(""); return text === "" || text.endsWith("\n") ? text : `${text}\n`; };
      withMarkers += `<<<<<<< yours\n${ensureNewline(a)}||||||| generated before\n${ensureNewline(o)}=======\n${ensureNewline(b)}>>>>>>> generated now\n`;
    }
  }
  if (hunks.length > 0) return { path, action: "conflict", reason: "your edits and the new render change the same lines", hunks, withMarkers };
  return merged === theirs ? { path, action: "keep" } : { path, action: "write", content: merged };
}

/** One file: the rules for added, removed and deleted generated files, then the text merge. */
export function mergeFile({ path, base, theirs, ours }: MergeInput): MergeOutcome {
  if (ours === undefined) {
    // The blueprint no longer generates this file.
    if (theirs === undefined) return { path, action: "keep" };
    if (base === undefined || theirs === base) return base === undefined ? { path, action: "keep" } : { path, action: "delete" };
    return { path, action: "conflict", reason: "you edited a file the new render removes; delete it or keep it by hand", hunks: [] };
  }
  if (theirs === undefined) {
    // Deleted by the team: stays deleted unless the blueprint changed it.
    if (base !== undefined && ours === base) return { path, action: "keep" };
    return { path, action: "write", content: ours };
  }
  return mergeText(path, base ?? "", theirs, ours);
}
