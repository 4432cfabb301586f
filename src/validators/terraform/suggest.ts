/** Edit distance (insert, delete, substitute, and swap of two neighbours: optimal string alignment), for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1);
      current[j] = best;
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to `name`, when it is close enough to be a plausible typo or rename:
 * within a third of the name's length (at least 2 edits), or sharing all words in another order.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const words = name.split("_").sort().join("_");
  for (const candidate of candidates) {
    const distance = candidate.split("_").sort().join("_") === words ? 1 : editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // short names get one edit (two edits turn "vpc" into "ipam"-like noise), longer ones a third of their length
  return bestDistance <= (name.length < 6 ? 1 : Math.max(2, Math.floor(name.length / 3))) ? best : undefined;
}

/**
 * The resource type closest to `type` among a provider's types, judged on the part after the provider prefix
 * (`scaleway_secret` vs `scaleway_vpc` compares "secret" with "vpc", which share nothing): the shared prefix
 * would otherwise make any two short types of one provider look alike.
 */
export function closestType(type: string, candidates: Iterable<string>, prefix: string): string | undefined {
  if (!type.startsWith(prefix)) return closest(type, candidates);
  const rest = type.slice(prefix.length);
  const byRest = new Map<string, string>();
  for (const candidate of candidates) if (candidate.startsWith(prefix)) byRest.set(candidate.slice(prefix.length), candidate);
  const suggestion = closest(rest, byRest.keys());
  return suggestion === undefined ? undefined : byRest.get(suggestion);
}
