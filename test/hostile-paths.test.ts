/**
 * Nothing the tool writes may land outside the target directory: not through a tree path (`..`, absolute, `.git`),
 * not through a symlink planted in a --force target or committed in a repository being updated, and not through a
 * cluster name (it becomes the `clusters/<name>/` folder).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { loadBlueprint } from "../src/blueprints/load.js";
import { TargetError } from "../src/errors.js";
import { writeTreeAtomically, writeTreeInto } from "../src/git/write-tree.js";
import { parseParams } from "../src/params/parse.js";
import { createClusterRepo } from "../src/pipeline.js";
import { runCli, tempDir } from "./helpers/cli.js";

const work = tempDir("ccr-hostile-paths-");
let counter = 0;
const fresh = (name: string) => {
  const dir = join(work, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** Every path below `dir` (symlinks listed, not followed), sorted. */
async function listAll(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    out.push(rel);
    if (entry.isDirectory()) out.push(...(await listAll(dir, rel)));
  }
  return out.sort();
}

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { encoding: "utf8" }).trim();

describe("tree paths that escape are refused before anything is written", () => {
  const escaping = ["../escape.txt", "/etc/cron.d/x", "a/../../b", "a\\..\\b", "C:/x", "a//b", "./a", ".git/hooks/pre-commit", ".GIT/config", "sub/.git/config", "x\0y"];

  test.each(escaping)("%j: fresh target, --force target and staging directory", async (bad) => {
    const tree = new Map([["README.md", "ok\n"], [bad, "pwned\n"]]);
    const parent = fresh("escape");
    const outside = await listAll(work);
    for (const write of [
      () => writeTreeAtomically(join(parent, "new"), tree),
      () => writeTreeAtomically(parent, tree, { force: true }),
      () => writeTreeInto(parent, tree),
    ]) {
      const error = await write().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TargetError);
      expect((error as Error).message).toMatch(/refusing (unsafe )?output path .*nothing was written/);
    }
    expect(await listAll(parent)).toEqual([]);
    expect(await listAll(work)).toEqual(outside);
  });
});

describe("symlinks in a --force target", () => {
  const tree = new Map([
    ["README.md", "# fleet\n"],
    ["terraform/main.tf", "# main\n"],
    ["apps/web/deploy.yaml", "kind: Deployment\n"],
  ]);

  test.each([
    ["a directory symlink to outside", "terraform", (outside: string) => outside],
    ["a dangling directory symlink", "terraform", (outside: string) => join(outside, "does-not-exist")],
    ["a symlink deeper down", "apps/web", (outside: string) => outside],
    ["a relative symlink climbing out", "terraform", () => "../../.."],
  ])("%s (%s) is refused; outside and target are unchanged", async (_name, linkPath, to) => {
    const target = fresh("force");
    const outside = fresh("elsewhere");
    writeFileSync(join(outside, "main.tf"), "theirs\n");
    mkdirSync(join(target, linkPath, ".."), { recursive: true });
    symlinkSync(to(outside), join(target, linkPath));
    const before = await listAll(target);
    const error = await writeTreeAtomically(target, tree, { force: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as Error).message).toMatch(new RegExp(`refusing to write .*: ${linkPath} is a symlink that points outside .*; remove it and re-run`));
    expect(await listAll(outside)).toEqual(["main.tf"]);
    expect(readFileSync(join(outside, "main.tf"), "utf8")).toBe("theirs\n");
    expect(await listAll(target)).toEqual(before); // no temp file left either
  });

  test("a symlink that stays inside the target is followed", async () => {
    const target = fresh("inside");
    mkdirSync(join(target, "real-terraform"));
    symlinkSync("real-terraform", join(target, "terraform"));
    await writeTreeAtomically(target, tree, { force: true });
    expect(readFileSync(join(target, "real-terraform", "main.tf"), "utf8")).toBe("# main\n");
  });

  test("a generated file that is itself a symlink to outside is replaced, not written through", async () => {
    const target = fresh("filelink");
    const outside = fresh("elsewhere");
    writeFileSync(join(outside, "secret.txt"), "keep me\n");
    symlinkSync(join(outside, "secret.txt"), join(target, "README.md"));
    await writeTreeAtomically(target, tree, { force: true });
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("keep me\n");
    expect((await lstat(join(target, "README.md"))).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(target, "README.md"), "utf8")).toBe("# fleet\n");
  });

  test("create --force through the pipeline: refused with the symlink named, nothing written or committed", async () => {
    const target = fresh("pipeline");
    const outside = fresh("elsewhere");
    symlinkSync(outside, join(target, "terraform"));
    const error = await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: target, params: {}, force: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as Error).message).toMatch(/terraform is a symlink that points outside/);
    expect(await listAll(outside)).toEqual([]);
    expect(await listAll(target)).toEqual(["terraform"]);
  });
});

describe("a repository being updated", () => {
  test("a committed symlink to outside makes update fail clearly; outside files and main are unchanged", () => {
    const dir = join(fresh("update"), "fleet");
    const outside = fresh("elsewhere");
    expect(runCli(["-b", "kapsule-gpu", "-y", dir]).status).toBe(0);
    const main = git(dir, "rev-parse", "HEAD");
    // Someone replaces terraform/ by a symlink and commits it (a hostile pull request could).
    for (const name of readdirSync(join(dir, "terraform"))) writeFileSync(join(outside, name), readFileSync(join(dir, "terraform", name)));
    execFileSync("rm", ["-rf", join(dir, "terraform")]);
    symlinkSync(outside, join(dir, "terraform"));
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "terraform elsewhere");
    const head = git(dir, "rev-parse", "HEAD");
    const outsideBefore = Object.fromEntries(readdirSync(outside).map((name) => [name, readFileSync(join(outside, name), "utf8")]));

    const run = runCli(["update", dir, "--set", "gpuPool.maxSize=3"]);
    expect(run.status).toBe(1);
    // Refused when the plan reads the team's copy, before anything is written.
    expect(run.stderr).toMatch(/refusing to read terraform\/.*: terraform is a symlink that points outside .*; remove it \(or replace it by the files themselves\) and re-run/);
    expect(Object.fromEntries(readdirSync(outside).map((name) => [name, readFileSync(join(outside, name), "utf8")]))).toEqual(outsideBefore);
    expect(git(dir, "rev-parse", "main")).toBe(head);
    expect(git(dir, "rev-parse", "main~1")).toBe(main);
    expect(git(dir, "status", "--porcelain")).toBe("");
  });
});

describe("a repository being updated: symlinks are not followed out of it", () => {
  /** A fresh repository whose `linkPath` (a committed directory) is replaced by a committed symlink to a copy outside. */
  const withOutsideLink = (linkPath: string) => {
    const dir = join(fresh("update-link"), "fleet");
    const outside = fresh("elsewhere");
    expect(runCli(["-b", "kapsule-gpu", "-y", dir]).status).toBe(0);
    for (const name of readdirSync(join(dir, linkPath))) writeFileSync(join(outside, name), readFileSync(join(dir, linkPath, name)));
    execFileSync("rm", ["-rf", join(dir, linkPath)]);
    symlinkSync(outside, join(dir, linkPath));
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "moved elsewhere");
    const snapshot = () => Object.fromEntries(readdirSync(outside).map((name) => [name, readFileSync(join(outside, name), "utf8")]));
    return { dir, outside, snapshot };
  };

  test("a file the new render removes, below a symlinked directory, is not deleted outside the repository", () => {
    const { dir, snapshot } = withOutsideLink("clusters/kapsule-gpu/flux-system");
    const before = snapshot();
    expect(Object.keys(before)).toEqual(["gotk-sync.yaml"]);
    const head = git(dir, "rev-parse", "HEAD");
    // Switching to Argo CD deletes the Flux files, gotk-sync.yaml among them.
    const run = runCli(["update", dir, "--gitops", "argo"]);
    expect(run.status).toBe(1);
    // (the first read below the link is the look for flux bootstrap's gotk-components.yaml, or gotk-sync.yaml)
    expect(run.stderr).toMatch(/refusing to read clusters\/kapsule-gpu\/flux-system\/gotk-(sync|components)\.yaml: clusters\/kapsule-gpu\/flux-system is a symlink that points outside/);
    expect(snapshot()).toEqual(before);
    expect(git(dir, "rev-parse", "HEAD")).toBe(head);
    expect(git(dir, "status", "--porcelain")).toBe("");
  });

  test("the delete-side check itself: a delete below a symlink to outside is refused", async () => {
    const { dir } = withOutsideLink("clusters/kapsule-gpu/flux-system");
    const { assertPathsInside } = await import("../src/git/write-tree.js");
    const error = await assertPathsInside(dir, ["clusters/kapsule-gpu/flux-system/gotk-sync.yaml"], "delete").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as Error).message).toMatch(/^refusing to delete clusters\/kapsule-gpu\/flux-system\/gotk-sync\.yaml: clusters\/kapsule-gpu\/flux-system is a symlink that points outside/);
    await assertPathsInside(dir, ["clusters/kapsule-gpu/apps.yaml"], "delete"); // an ordinary path passes
  });

  test("plan --diff and check do not print a file outside the repository that a symlink points to", () => {
    const dir = join(fresh("plan-link"), "fleet");
    const outside = fresh("elsewhere");
    writeFileSync(join(outside, "id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-material\n");
    expect(runCli(["-b", "kapsule-gpu", "-y", dir]).status).toBe(0);
    execFileSync("rm", [join(dir, "README.md")]);
    symlinkSync(join(outside, "id_ed25519"), join(dir, "README.md"));
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "readme elsewhere");
    for (const args of [["plan", dir, "--set", "gpuPool.maxSize=3", "--diff"], ["check", dir]]) {
      const run = runCli(args);
      expect(run.stdout + run.stderr).not.toContain("secret-key-material");
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/refusing to read README\.md: README\.md is a symlink that points outside .*fleet; remove it/);
    }
  });
});

describe("the cluster name becomes a folder: only DNS labels get through", () => {
  test("any accepted clusterName is one safe path segment", () => {
    const blueprint = loadBlueprint("kapsule-gpu");
    const segment = fc.oneof(
      fc.string({ maxLength: 45 }),
      fc.array(fc.constantFrom("a", "b", "-", "0", ".", "..", "/", "\\", "~", "%2e", "\0", " ", "é", "A"), { maxLength: 12 }).map((p) => p.join("")),
    );
    let accepted = 0;
    fc.assert(
      fc.property(segment, (name) => {
        const result = parseParams({ values: { clusterName: name } }, blueprint);
        if (result.errors) {
          expect(result.errors.join("\n")).toMatch(/^clusterName: /m);
          return;
        }
        accepted++;
        expect(name).toMatch(/^[a-z][-a-z0-9]*$/);
      }),
      { numRuns: 300, examples: [["prod-gpu"], ["../etc"], ["."], ["a/b"]] },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  test("a hostile clusterName as the default target directory falls back to the blueprint name", () => {
    const cwd = fresh("default-dir");
    const run = runCli(["-b", "kapsule-gpu", "-y", "--dry-run", "--set", "clusterName=../../outside"], { cwd });
    expect(run.status).toBe(2);
    expect(existsSync(join(cwd, "..", "..", "outside"))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
