import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tempDir } from "./helpers/cli.js";
import { day1Cases, git, walkDay1 } from "./helpers/day1.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";

/**
 * Day 1 for every blueprint with Argo CD, as the README says: create with the remote's URL, push (Argo CD's
 * bootstrap writes nothing into the repository), CI's `check` and `validate --strict`, an `update` of a pool size,
 * and CI again on its branch.
 */
// The walks are independent (each its own repository on the server and its own directory): they run side by side,
// so the file takes the time of its longest walk rather than the sum.
describe.concurrent("Day 1 with Argo CD", () => {
  const work = tempDir("ccr-day1-argo-");
  let server: GitHttpServer;
  beforeAll(async () => {
    server = await startGitHttpServer();
  });
  afterAll(() => server?.close());

  test.each(day1Cases("argo"))("$blueprint: create, push, check, validate, update, check", async (day1) => {
    const { dir, branch } = await walkDay1(day1, server, work);
    const changed = git(dir, "diff", "--name-only", "main", branch).split("\n");
    expect(changed).toContain("cluster-repo.yaml");
    expect(changed.some((path) => path.startsWith("terraform/"))).toBe(true);
  }, 300_000);
});
