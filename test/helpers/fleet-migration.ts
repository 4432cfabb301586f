/**
 * The steps every test of a fleet's move to the shared add-on bases takes (fixture fleets stg and prod made by an
 * earlier release): `update --all`, both branches merged, then the fleet settles.
 */
import { expect } from "vitest";
import { runCli } from "./cli.js";
import { git } from "./fleet-builds.js";

/** `update --all` with no error, then both clusters' branches merged into main (they write the bases with the same bytes). */
export async function updateAllAndMerge(dir: string): Promise<void> {
  const update = await runCli(["update", dir, "--all"]);
  expect(update.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
  expect(update.status).toBe(0);
  git(dir, "checkout", "-q", "main");
  for (const branch of ["create-cluster-repo/stg-rerender", "create-cluster-repo/prod-rerender"]) git(dir, "merge", "-q", "--no-edit", branch);
}

/** After the move: check names the team's `edited` file and finds prod as rendered, validate passes, a second update --all succeeds. */
export async function expectSettled(dir: string, edited: string): Promise<void> {
  const check = await runCli(["check", dir]);
  expect(check.stdout).toContain(`${edited}: edited by hand`);
  expect(check.stdout).toContain("== cluster prod (production) ==\nAll generated files match the answers file.\n");
  expect((await runCli(["validate", dir])).status).toBe(0);
  const again = await runCli(["update", dir, "--all"]);
  expect(again.status).toBe(0);
}
