/**
 * The latest results of a pure function of a Terraform file's text, keyed by the text. One run reads each file
 * several times: render formats it, validation parses it and checks its layout (formatting it again), and plan and
 * update render the recorded version as well. The same text was tokenized three times and formatted twice, which is
 * most of what a blueprint with more Terraform (aks-gpu: 30 kB) paid over the others (issue 28).
 *
 * Results are shared between callers: they must not be changed. Bounded by the total length of the texts kept,
 * oldest dropped first, so a folder of thousands of files stays in bounded memory. A call that throws keeps nothing.
 */
export function memoByText<T>(compute: (text: string) => T, maxChars = 4 * 1024 * 1024): (text: string) => T {
  const kept = new Map<string, T>();
  let keptChars = 0;
  return (text) => {
    if (kept.has(text)) return kept.get(text) as T;
    const result = compute(text);
    if (text.length > maxChars) return result;
    kept.set(text, result);
    keptChars += text.length;
    for (const oldest of kept.keys()) {
      if (keptChars <= maxChars) break;
      kept.delete(oldest);
      keptChars -= oldest.length;
    }
    return result;
  };
}
