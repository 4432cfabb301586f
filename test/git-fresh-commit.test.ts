import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTreeInto } from "../src/git/write-tree.js";
import { writeRepository } from "../src/git/new-repository.js";
import { parseCommitSettings } from "../src/git/first-commit.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { spawnCli, tempDir } from "./helpers/cli.js";
import { paramsFixtures } from "./helpers/fixtures.js";

/**
 * `create` writes the first commit of a new repository in process (src/git/first-commit.ts): it must be the commit
 * `git add --all && git commit -m` makes, byte for byte, in a repository git reads as whole and clean; and where git's
 * configuration or environment asks more of a commit (signing, hooks, identity variables), git must make it.
 */

function git(dir: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("git", ["-C", dir, ...args], { encoding: "utf8", env: { ...process.env, ...env } }, (error, stdout, stderr) => (error ? reject(new Error(`git ${args.join(" ")}: ${stderr}`)) : resolve(stdout.trim()))),
  );
}

/** The same tree committed by git itself, with the identity and date of `reference`'s commit. */
async function gitsOwnCommit(dir: string, tree: Map<string, string>, reference: string): Promise<string> {
  const raw = await git(reference, ["cat-file", "-p", "HEAD"]);
  const author = /^author (.*) <(.*)> (\d+ [+-]\d{4})$/m.exec(raw)!;
  const message = raw.slice(raw.indexOf("\n\n") + 2).trimEnd();
  await writeTreeInto(dir, tree);
  await git(dir, ["init", "--quiet", "--initial-branch", "main"]);
  await git(dir, ["add", "--all"]);
  const date = { GIT_AUTHOR_DATE: author[3]!, GIT_COMMITTER_DATE: author[3]! };
  await git(dir, ["-c", `user.name=${author[1]}`, "-c", `user.email=${author[2]}`, "commit", "--quiet", "-m", message], date);
  return git(dir, ["rev-parse", "HEAD"]);
}

describe("the first commit of a new repository, written in process", () => {
  it.each(paramsFixtures("valid").map((fixture) => [fixture.name, fixture] as const))("%s: the commit git makes, in a repository git finds whole and clean", async (_name, fixture) => {
    const { tree } = await renderBlueprint(fixture.blueprint, { values: fixture.params }, { toolVersion: "0.0.0-test" });
    const work = tempDir("ccr-first-commit-");
    const written = await writeRepository(join(work, "repo"), tree, "Add a cluster");
    const repo = join(work, "repo");
    // written in process: git's commit would have added its cache-tree extension ("TREE") to the index
    expect(readFileSync(join(repo, ".git", "index")).includes("TREE")).toBe(false);
    expect(written.sha).toBe(await gitsOwnCommit(join(work, "twin"), tree, repo));
    await git(repo, ["fsck", "--strict", "--no-dangling"]);
    expect(await git(repo, ["status", "--porcelain", "--ignored"])).toBe("");
    expect(await git(repo, ["diff", "--cached", "--stat"])).toBe("");
    expect(await git(repo, ["rev-parse", "--abbrev-ref", "HEAD"])).toBe("main");
    expect(await git(repo, ["reflog", "--format=%gs"])).toBe("commit (initial): Add a cluster");
    expect((await git(repo, ["ls-files"])).split("\n").sort()).toEqual([...tree.keys()].sort());
    // every object in one pack (src/git/pack-file.ts), which git verifies whole (each object, its CRC, both checksums)
    const packs = join(repo, ".git", "objects", "pack");
    const indexes = readdirSync(packs).filter((name) => name.endsWith(".idx"));
    expect(indexes).toHaveLength(1);
    const verified = await git(repo, ["verify-pack", "-v", join(packs, indexes[0]!)]);
    expect(verified).toMatch(new RegExp(`^${written.sha} commit `, "m"));
    expect(verified.split("\n").filter((line) => / blob /.test(line)).length).toBe(new Set([...tree.values()]).size);
    expect(await git(repo, ["count-objects"])).toBe("0 objects, 0 kilobytes");
  });

  it("reads what git's configuration says about commits", () => {
    expect(parseCommitSettings("user.name A B\nuser.email a@b.c\ncore.logallrefupdates true\n")).toEqual({ identity: { name: "A B", email: "a@b.c" }, declines: [], reflog: true });
    expect(parseCommitSettings("commit.gpgsign\ncore.hookspath /x\nextensions.objectformat sha256\ncore.repositoryformatversion 1\n").declines).toEqual([
      "commit.gpgsign", "core.hooksPath", "core.repositoryFormatVersion", "extensions.objectformat",
    ]);
    expect(parseCommitSettings("commit.gpgsign false\ncore.logallrefupdates false\n")).toEqual({ identity: undefined, declines: [], reflog: false });
  });

  it("leaves the commit to git where it signs or runs hooks, and else commits as git would (through the CLI)", async () => {
    const work = tempDir("ccr-first-commit-");
    // a signing program that signs anything, a template whose pre-commit hook leaves a mark
    const gpg = join(work, "fake-gpg");
    writeFileSync(gpg, '#!/bin/sh\ncat >/dev/null\nprintf "\\n[GNUPG:] SIG_CREATED D 1 8 00 0 0\\n" >&2\nprintf -- "-----BEGIN PGP SIGNATURE-----\\n\\nfake\\n-----END PGP SIGNATURE-----\\n"\n');
    chmodSync(gpg, 0o755);
    const template = join(work, "template");
    mkdirSync(join(template, "hooks"), { recursive: true });
    writeFileSync(join(template, "hooks", "pre-commit"), `#!/bin/sh\ntouch "${join(work, "hook-ran")}"\n`);
    chmodSync(join(template, "hooks", "pre-commit"), 0o755);
    /** A HOME whose ~/.gitconfig holds an identity and `text` (the tool's git sees no GIT_CONFIG_* variable). */
    const home = (name: string, text: string) => {
      const dir = join(work, `home-${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, ".gitconfig"), `[user]\n\tname = Config Name\n\temail = config@example.com\n${text}`);
      return { HOME: dir, XDG_CONFIG_HOME: join(dir, ".config") };
    };
    const inProcess = (repo: string) => !readFileSync(join(repo, ".git", "index")).includes("TREE");

    const signed = await spawnCli(["-b", "kapsule-gpu", "-y", join(work, "signed")], { env: home("signing", `\tsigningkey = ABC\n[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = ${gpg}\n`) });
    expect(signed.status, signed.stderr).toBe(0);
    expect(await git(join(work, "signed"), ["cat-file", "-p", "HEAD"])).toContain("gpgsig -----BEGIN PGP SIGNATURE-----");
    expect(inProcess(join(work, "signed"))).toBe(false);

    const hooked = await spawnCli(["-b", "kapsule-gpu", "-y", join(work, "hooked")], { env: home("hooks", `[init]\n\ttemplateDir = ${template}\n`) });
    expect(hooked.status, hooked.stderr).toBe(0);
    expect(existsSync(join(work, "hook-ran"))).toBe(true);
    expect(inProcess(join(work, "hooked"))).toBe(false);

    // none of these: the configured identity, in process; GIT_AUTHOR_NAME is not seen, as git through simple-git does not see it
    const plain = await spawnCli(["-b", "kapsule-gpu", "-y", join(work, "plain")], { env: { ...home("plain", ""), GIT_AUTHOR_NAME: "From The Environment" } });
    expect(plain.status, plain.stderr).toBe(0);
    expect(inProcess(join(work, "plain"))).toBe(true);
    expect(await git(join(work, "plain"), ["log", "-1", "--format=%an <%ae>|%cn <%ce>"])).toBe("Config Name <config@example.com>|Config Name <config@example.com>");
  });
});
