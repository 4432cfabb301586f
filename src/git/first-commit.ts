/**
 * The first commit of a repository `create` has just initialised, written in this process: the render's files as
 * blobs, its trees and the commit (in one pack, pack-file.ts, where git would write each as a loose object), the
 * index (version 2: gitformat-index), the branch and its reflog. That is what `git add --all` and `git commit -m`
 * write for a new repository, without their two processes and the `git maintenance` one commit starts: on a busy
 * machine, waiting for processes is the largest part of a `create` after the render. The commit is the one git
 * writes, byte for byte (test/git-fresh-commit.test.ts compares them, and runs `git fsck --strict`).
 *
 * Hand-written on node:crypto and node:zlib: a few dozen lines of file formats, where a git library (isomorphic-git)
 * would be loaded by every `create` for these few writes.
 *
 * It declines (undefined, nothing written) whenever git's own commit would do more or otherwise: commits signed or
 * hooks run (commit.gpgSign, core.hooksPath, hooks an init template installed), a repository format other than
 * SHA-1 version 0, a message or identity git would clean up. The caller then runs git. (The GIT_* variables of the
 * environment, GIT_AUTHOR_NAME included, never reach the tool's git commands: simple-git removes them.)
 */
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, writeFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FileTree } from "../file-tree.js";
import type { GitIdentity } from "./client.js";
import { MAX_PACK_BYTES, writePack, type GitObject } from "./pack-file.js";

/** What git's configuration says about commits in the new repository (from `git config --get-regexp`). */
export interface CommitSettings {
  identity?: GitIdentity;
  /** Keys set that make git's commit differ from a plain one (signing, hooks, another repository format). */
  declines: string[];
  /** core.logAllRefUpdates (a new repository's own config sets it true). */
  reflog: boolean;
}

/** The keys {@link readCommitSettings} asks git for, as one `--get-regexp` pattern. */
export const COMMIT_SETTINGS_PATTERN = "^(user\\.(name|email)|commit\\.gpgsign|core\\.(hookspath|logallrefupdates|repositoryformatversion)|extensions\\..*)$";

const TRUE = /^(true|yes|on|1)$/i;

/** Reads `git config --get-regexp COMMIT_SETTINGS_PATTERN` output (keys lower-cased by git, one `key value` a line). */
export function parseCommitSettings(listing: string): CommitSettings {
  const values = new Map<string, string>();
  for (const line of listing.split("\n")) {
    const space = line.indexOf(" ");
    const key = (space < 0 ? line : line.slice(0, space)).toLowerCase();
    if (key) values.set(key, space < 0 ? "" : line.slice(space + 1)); // the last one wins, as in git
  }
  const name = values.get("user.name");
  const email = values.get("user.email");
  const declines: string[] = [];
  if (TRUE.test(values.get("commit.gpgsign") ?? "") || values.get("commit.gpgsign") === "") declines.push("commit.gpgsign");
  if (values.has("core.hookspath")) declines.push("core.hooksPath");
  if ((values.get("core.repositoryformatversion") ?? "0") !== "0") declines.push("core.repositoryFormatVersion");
  for (const key of values.keys()) if (key.startsWith("extensions.")) declines.push(key);
  const reflog = !/^(false|no|off|0)$/i.test(values.get("core.logallrefupdates") ?? "true");
  return { identity: name && email ? { name, email } : undefined, declines, reflog };
}

/** Characters git strips from the ends of a name or an address ("crud"), and those it cannot hold. */
const CLEAN_IDENT = /^[^\0-\x20.,:;<>"\\'][^\0\n<>]*$/;
const cleanEnd = (text: string) => !/[\0-\x20.,:;<>"\\']$/.test(text);

/**
 * The objects of one commit, kept until they are written together as one pack ({@link writePack}); the same content
 * twice is one object.
 */
class ObjectWriter {
  readonly objects = new Map<string, GitObject>();

  write(type: GitObject["type"], content: Buffer): string {
    const sha = createHash("sha1").update(`${type} ${content.length}\0`).update(content).digest("hex");
    if (!this.objects.has(sha)) this.objects.set(sha, { type, content, sha });
    return sha;
  }
}

interface TreeNode {
  files: Map<string, string>; // name -> blob sha
  dirs: Map<string, TreeNode>;
}

/** A tree object's entries in git's order: by name, a subtree's name compared as if it ended with "/". */
function writeTrees(objects: ObjectWriter, node: TreeNode): string {
  const entries: { key: Buffer; bytes: Buffer }[] = [];
  for (const [name, dir] of node.dirs) {
    const sha = writeTrees(objects, dir);
    entries.push({ key: Buffer.from(`${name}/`), bytes: Buffer.concat([Buffer.from(`40000 ${name}\0`), Buffer.from(sha, "hex")]) });
  }
  for (const [name, sha] of node.files) {
    entries.push({ key: Buffer.from(name), bytes: Buffer.concat([Buffer.from(`100644 ${name}\0`), Buffer.from(sha, "hex")]) });
  }
  entries.sort((a, b) => Buffer.compare(a.key, b.key));
  return objects.write("tree", Buffer.concat(entries.map((entry) => entry.bytes)));
}

/** Index version 2: a header, one entry per file sorted by path, and the SHA-1 of all of it. */
function writeIndex(workTree: string, gitDir: string, blobs: Map<string, string>): void {
  const paths = [...blobs.keys()].map((path) => Buffer.from(path)).sort(Buffer.compare);
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write("DIRC", 0, "latin1");
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(paths.length, 8);
  parts.push(header);
  for (const path of paths) {
    const name = path.toString();
    const stats = lstatSync(join(workTree, ...name.split("/")), { bigint: true });
    const length = 62 + path.length;
    const entry = Buffer.alloc(length + (8 - (length % 8))); // 1 to 8 NULs end the path
    const low32 = (value: bigint) => Number(value & 0xffffffffn);
    entry.writeUInt32BE(low32(stats.ctimeNs / 1_000_000_000n), 0);
    entry.writeUInt32BE(low32(stats.ctimeNs % 1_000_000_000n), 4);
    entry.writeUInt32BE(low32(stats.mtimeNs / 1_000_000_000n), 8);
    entry.writeUInt32BE(low32(stats.mtimeNs % 1_000_000_000n), 12);
    entry.writeUInt32BE(low32(stats.dev), 16);
    entry.writeUInt32BE(low32(stats.ino), 20);
    entry.writeUInt32BE(0o100644, 24);
    entry.writeUInt32BE(low32(stats.uid), 28);
    entry.writeUInt32BE(low32(stats.gid), 32);
    entry.writeUInt32BE(low32(stats.size), 36);
    Buffer.from(blobs.get(name)!, "hex").copy(entry, 40);
    entry.writeUInt16BE(Math.min(path.length, 0xfff), 60);
    path.copy(entry, 62);
    parts.push(entry);
  }
  const body = Buffer.concat(parts);
  writeFileSync(join(gitDir, "index"), Buffer.concat([body, createHash("sha1").update(body).digest()]));
}

/** `+0100`, `-0530`: the local offset at `date`, as git writes it. */
function timezone(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const abs = Math.abs(offset);
  return `${offset < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
}

/**
 * Commits exactly `tree` (already written in `workTree`) as the first commit of the repository `git init` just made
 * there. Returns the commit's SHA-1, or undefined when git's commit is needed (see the module comment); it then has
 * written nothing.
 */
export async function writeFirstCommit(workTree: string, tree: FileTree, message: string, identity: GitIdentity, settings: CommitSettings): Promise<string | undefined> {
  if (settings.declines.length > 0) return undefined;
  if (![identity.name, identity.email].every((text) => CLEAN_IDENT.test(text) && cleanEnd(text))) return undefined;
  // `git commit -m` keeps a one-line message as it is, with a newline added
  if (!/^\S(?:[^\n\r]*\S)?$/.test(message)) return undefined;
  const gitDir = join(workTree, ".git");
  const head = /^ref: (refs\/heads\/[^\s]+)\n$/.exec(await readFile(join(gitDir, "HEAD"), "utf8").catch(() => ""));
  if (!head) return undefined;
  // hooks an init template installed (a real pre-commit, not the *.sample files) run on git's commit
  const hooks = await readdir(join(gitDir, "hooks")).catch(() => [] as string[]);
  if (hooks.some((hook) => !hook.endsWith(".sample"))) return undefined;

  // A render larger than a pack's index can address without its table of large offsets: git commits it.
  let size = 0;
  for (const content of tree.values()) size += content.length * 3; // UTF-16 code units to at most 3 UTF-8 bytes each
  if (size > MAX_PACK_BYTES / 2) return undefined;
  const objects = new ObjectWriter();
  const blobs = new Map<string, string>();
  const root: TreeNode = { files: new Map(), dirs: new Map() };
  for (const [path, content] of tree) {
    const sha = objects.write("blob", Buffer.from(content, "utf8"));
    blobs.set(path, sha);
    const segments = path.split("/");
    let node = root;
    for (const segment of segments.slice(0, -1)) {
      let next = node.dirs.get(segment);
      if (!next) node.dirs.set(segment, (next = { files: new Map(), dirs: new Map() }));
      node = next;
    }
    node.files.set(segments[segments.length - 1]!, sha);
  }
  const treeSha = writeTrees(objects, root);
  const now = new Date();
  const who = `${identity.name} <${identity.email}> ${Math.floor(now.getTime() / 1000)} ${timezone(now)}`;
  const commit = objects.write("commit", Buffer.from(`tree ${treeSha}\nauthor ${who}\ncommitter ${who}\n\n${message}\n`));
  // Synchronous calls: a few files in a row, each of which, awaited, was a round trip through libuv's thread pool.
  mkdirSync(join(gitDir, "objects", "pack"), { recursive: true });
  writePack(join(gitDir, "objects", "pack"), [...objects.objects.values()]);
  writeIndex(workTree, gitDir, blobs);
  const ref = head[1]!;
  mkdirSync(join(gitDir, ...ref.split("/").slice(0, -1)), { recursive: true });
  writeFileSync(join(gitDir, ...ref.split("/")), `${commit}\n`);
  if (settings.reflog) {
    const line = `${"0".repeat(40)} ${commit} ${who}\tcommit (initial): ${message}\n`;
    mkdirSync(join(gitDir, "logs", ...ref.split("/").slice(0, -1)), { recursive: true });
    writeFileSync(join(gitDir, "logs", "HEAD"), line);
    writeFileSync(join(gitDir, "logs", ...ref.split("/")), line);
  }
  writeFileSync(join(gitDir, "COMMIT_EDITMSG"), `${message}\n`);
  return commit;
}
