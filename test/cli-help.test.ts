/**
 * Help is generated from the flag declarations (src/cli/flags.ts): every command's --help lists its flags, the main
 * help's examples run, and README.md mentions only flags that exist and lists every create flag. Runs the built CLI.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { flagSignature } from "../src/cli/args.js";
import { commands, createCommand, programFlags } from "../src/cli/flags.js";
import { EXAMPLES } from "../src/cli/help.js";
import { spawnCli, tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");

describe("help from the flag declarations", () => {
  test.each(commands.map((command) => [command.name, command] as const))("%s --help lists every flag it accepts", async (name, command) => {
    const run = await spawnCli(name === "create" ? ["--help"] : [name, "--help"]);
    expect(run.status).toBe(0);
    for (const [flag, spec] of Object.entries(command.flags)) expect(run.stdout, `--${flag}`).toContain(flagSignature(flag, spec).trim());
    for (const line of command.usage) expect(run.stdout).toContain(`create-cluster-repo ${line}`);
  });

  test("the main help's examples run as written (create ones with --dry-run added)", async () => {
    const work = tempDir("ccr-examples-");
    for (const example of EXAMPLES) {
      const args = example.split(" ").slice(2);
      const validating = args[0] === "validate";
      const run = await spawnCli(validating ? args : [...args, "--dry-run"], { cwd: validating ? join(repoRoot, "test", "golden", "aks-gpu-argo") : work });
      expect(run.stderr.replace(/^dry run: .*\n/m, ""), example).toBe("");
      expect(run.status, example).toBe(0);
    }
  });
});

describe("README.md and the flag declarations agree", () => {
  const declared = new Set([...commands.flatMap((command) => Object.keys(command.flags)), ...Object.keys(programFlags)]);

  /** Flags of the other tools the README's Day-1 steps quote, by tool: not ours, so not declared here. */
  const otherTools: Record<string, string[]> = {
    "flux bootstrap": ["token-auth", "owner", "repository", "branch", "path", "username", "url", "private-key-file", "read-write-key", "deploy-token-auth"],
    "kubectl apply": ["server-side"],
    "kubectl create secret": ["from-file"],
    "git rebase/merge/cherry-pick": ["continue"],
    "npm version/publish (Releasing)": ["no-git-tag-version", "provenance", "access"],
    "valgrind (Performance: instruction counts)": ["tool", "trace-children"],
  };
  const theirs = new Set(Object.values(otherTools).flat());

  test("every --flag README.md mentions is declared by a command (or is one of the other tools' it quotes)", () => {
    const mentioned = new Set([...readme.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((match) => match[1]!));
    expect([...mentioned].filter((flag) => !declared.has(flag) && !theirs.has(flag)).sort()).toEqual([]);
  });

  test("README.md's flag table has a row for every create flag", () => {
    const rows = readme.split("\n").filter((line) => line.startsWith("| `-"));
    for (const flag of Object.keys(createCommand.flags)) {
      expect(rows.some((row) => row.split("|")[1]!.includes(`--${flag}`)), `README.md: add a row for --${flag} to the flag table under Usage`).toBe(true);
    }
  });
});
