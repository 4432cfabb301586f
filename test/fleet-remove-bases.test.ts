/**
 * remove-cluster of the last cluster of an engine in a fleet of both engines (docs/FLEETS.md, "Shared add-on bases"):
 * its last step removes the shared bases of that engine, which no remaining cluster lists, and its pull request says
 * so; the other engine's bases stay, and check and validate pass. End to end against the GitHub double.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { BASES_DIR } from "../src/fleet/layout.js";
import { isWorkloadBasePath } from "../src/fleet/workload-bases.js";
import { recordingCli, tempDir } from "./helpers/cli.js";
import { git } from "./helpers/fleet-builds.js";
import { useGitHubDouble } from "./helpers/github-api-server.js";

const ids = blueprintIds();
/** The engine a shared base's file is for: Argo CD's are in its add-on's `argocd/` folder. */
const engineOf = (path: string) => (path.slice(BASES_DIR.length).split("/")[1] === "argocd" ? "argo" : "flux");
const basesByEngine = (dir: string) => {
  // The add-on bases; the workload bases follow the blueprints (test/fleet-workload-bases.test.ts).
  // An add-on's Namespace base serves both engines (test/fleet-namespace-base.test.ts).
  const paths = git(dir, "ls-files", BASES_DIR).split("\n").filter((path) => path && !isWorkloadBasePath(path) && path.split("/")[3] !== "namespace");
  return { flux: paths.filter((path) => engineOf(path) === "flux"), argo: paths.filter((path) => engineOf(path) === "argo") };
};
const addonsOf = (paths: string[]) => [...new Set(paths.map((path) => path.slice(BASES_DIR.length).split("/")[0]!))].sort();

describe.each([
  ["argo", "flux"],
  ["flux", "argo"],
] as const)("removing the last cluster of an engine (first cluster %s, the removed one %s)", (firstEngine, addedEngine) => {
  const TOKEN = "ghp_FleetBasesToken0123456789abcdefghijklmn";
  const servers = useGitHubDouble(TOKEN);
  const { cli } = recordingCli({ GITHUB_TOKEN: TOKEN });
  const work = tempDir(`ccr-fleet-remove-bases-${firstEngine}-`);

  test("the last step removes the bases no remaining cluster lists and names them; the first engine's stay", async () => {
    const dir = join(work, "fleet");
    const repo = `octocat/bases-${firstEngine}`;
    expect((await cli(["-b", ids[0]!, "-y", "--gitops", firstEngine, "--set", "clusterName=prod", "--github", repo, "--github-api-url", servers.api.url, dir])).status).toBe(0);
    expect((await cli(["add-cluster", "stg", "--blueprint", ids[1 % ids.length]!, "--set", `gitops=${addedEngine}`, dir])).status).toBe(0);
    const merge = () => {
      const branch = git(dir, "rev-parse", "--abbrev-ref", "HEAD");
      git(dir, "checkout", "-q", "main");
      git(dir, "merge", "-q", "--ff-only", branch);
    };
    merge();
    const before = basesByEngine(dir);
    expect(before[addedEngine].length).toBeGreaterThan(0);
    expect(before[firstEngine].length).toBeGreaterThan(0);

    for (const step of ["workloads", "terraform"]) {
      const run = await cli(["remove-cluster", "stg", dir]);
      expect([step, run.status]).toEqual([step, 0]);
      merge();
    }
    const forget = await cli(["remove-cluster", "stg", "--pr", "--github-api-url", servers.api.url, dir]);
    expect(forget.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
    expect(forget.status).toBe(0);
    const branch = "create-cluster-repo/remove-cluster-stg-forget";
    const pull = servers.api.state().pulls.find((p) => p.head === branch || p.head.endsWith(`:${branch}`));
    expect(pull?.body).toContain(`Removes the shared bases (\`${BASES_DIR}\`) no remaining cluster lists`);
    const label = addedEngine === "argo" ? "- Argo CD (`<add-on>/argocd/`): " : "- Flux: ";
    expect(pull?.body).toContain(`${label}${addonsOf(before[addedEngine]).map((name) => `\`${name}\``).join(", ")}\n`);
    merge();

    const after = basesByEngine(dir);
    expect(after[addedEngine]).toEqual([]);
    expect(after[firstEngine]).toEqual(before[firstEngine]);
    const check = await cli(["check", dir]);
    expect([check.status, check.stdout]).toEqual([0, expect.stringContaining("All generated files match the answers file.")]);
    expect((await cli(["validate", dir])).status).toBe(0);
    expect(servers.api.takeViolations()).toEqual([]);
  });
});
