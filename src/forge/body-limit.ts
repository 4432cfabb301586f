/**
 * `body` as a forge accepts it: at most `max` characters (code points, as forges count them). A longer one is cut
 * at a line end, with a last line saying so, rather than refused by the forge after the branch was pushed. Callers
 * keep their bodies well under the limits (describe.ts bounds pull request bodies to GitHub's 65,536); this only
 * guards the boundary.
 */
export function clipBody(body: string, max: number, forge: string): string {
  const points = [...body];
  if (points.length <= max) return body;
  const note = `\n\n(cut at ${forge}'s limit of ${max.toLocaleString("en-US")} characters)`;
  const kept = points.slice(0, max - note.length).join("");
  const cut = kept.lastIndexOf("\n");
  return `${cut > 0 ? kept.slice(0, cut) : kept}${note}`;
}
