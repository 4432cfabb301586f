// Reads the Go files of a provider at a release tag straight from a git directory (a bare mirror is enough), so the
// extraction never depends on a work tree and always names the exact commit it read.
import { execFileSync, spawnSync } from "node:child_process";

/** { commit, files: Map<path, text> } for the non-test .go files under `roots` at `tag`. */
export function readGoFiles(gitDir, tag, roots) {
  const git = (...args) => execFileSync("git", ["--git-dir", gitDir, ...args], { maxBuffer: 1 << 30 }).toString();
  const commit = git("rev-parse", `${tag}^{commit}`).trim();
  const listing = git("ls-tree", "-r", commit, "--", ...roots)
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split("\t");
      return { object: meta.split(" ")[2], path };
    })
    .filter(({ path }) => path.endsWith(".go") && !path.endsWith("_test.go"));
  const batch = spawnSync("git", ["--git-dir", gitDir, "cat-file", "--batch"], {
    input: listing.map(({ object }) => object).join("\n") + "\n",
    maxBuffer: 1 << 30,
  });
  if (batch.status !== 0) throw new Error(`git cat-file failed: ${batch.stderr}`);
  const out = batch.stdout;
  const files = new Map();
  let offset = 0;
  for (const { path } of listing) {
    const headerEnd = out.indexOf(10, offset);
    const header = out.subarray(offset, headerEnd).toString();
    const [, type, size] = header.split(" ");
    if (type !== "blob") {
      // "missing": the snapshot leaves out very large files; generated Go of that size declares no schema we read
      offset = headerEnd + 1;
      continue;
    }
    const start = headerEnd + 1;
    files.set(path, out.subarray(start, start + Number(size)).toString("utf8"));
    offset = start + Number(size) + 1;
  }
  return { commit, files };
}
