/**
 * Most CLI tests run command lines through runCli, in the test's own process (test/helpers/cli.ts). This file keeps
 * that honest: the same session of commands, typed in two folders, once through the built binary in processes of
 * their own and once in process, must print the same, exit the same and leave the same files and history.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { listFilesRecursive } from "../src/_utils.js";
import { runCli, spawnCli, tempDir, type CliRun } from "./helpers/cli.js";

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();

/** Commit ids (commit times) and the session's folder differ between the two sessions; everything else must not. */
const comparable = (run: CliRun, dir: string) => {
  const normal = (text: string) => text.replaceAll(dir, "<session>").replace(/\b[0-9a-f]{7,40}\b/g, "<sha>");
  return { status: run.status, stdout: normal(run.stdout), stderr: normal(run.stderr) };
};

describe("runCli (in process) behaves as the binary", () => {
  const blueprint = blueprintIds()[0]!;
  const session: string[][] = [
    ["--blueprint", blueprint, "--yes", "repo"],
    ["validate", "--strict", "repo"], // repoUrl unset: exit 1, the placeholder named
    ["check", "repo"],
    ["plan", "--set", "repoUrl=https://github.com/acme/repo.git", "repo"],
    ["update", "--set", "repoUrl=https://github.com/acme/repo.git", "repo"],
    ["validate", "--strict", "-o", "json", "repo"],
    ["check", "repo"],
    ["--blueprint", blueprint, "--yes", "repo"], // not empty: exit 2
    ["validate", "--no-such-flag"],
    ["validate", "-"],
  ];

  test(`a session on ${blueprint}: create, validate, check, plan, update, errors`, async () => {
    const [spawned, inProcess] = [join(tempDir(), "spawned"), join(tempDir(), "in-process")];
    for (const dir of [spawned, inProcess]) mkdirSync(dir);
    for (const args of session) {
      const input = args.includes("-") ? "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {key: 3}\n" : undefined;
      const expected = comparable(await spawnCli(args, { cwd: spawned, input }), spawned);
      expect(comparable(await runCli(args, { cwd: inProcess, input }), inProcess), args.join(" ")).toEqual(expected);
    }
    const files = (dir: string) => listFilesRecursive(join(dir, "repo")).filter((path) => !path.startsWith(".git/")).sort();
    expect(files(inProcess)).toEqual(files(spawned));
    for (const path of files(spawned)) expect(readFileSync(join(inProcess, "repo", path), "utf8"), path).toBe(readFileSync(join(spawned, "repo", path), "utf8"));
    const history = (dir: string) => git(join(dir, "repo"), "log", "--all", "--format=%s%n%b%d").replace(/\b[0-9a-f]{7,40}\b/g, "<sha>");
    expect(history(inProcess)).toBe(history(spawned));
  });
});
