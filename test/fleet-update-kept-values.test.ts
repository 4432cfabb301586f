/**
 * `update --pr` of a fleet's cluster names, in its pull request, the values the cluster keeps over its environment's
 * (docs/FLEETS.md), as `plan` and `promote` show them: end to end against the GitHub double, both engines.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { overlayPathOf, parseOverlayFile, renderOverlayFile } from "../src/fleet/environment-overlay.js";
import { recordingCli, tempDir } from "./helpers/cli.js";
import { git, objectsOf, read } from "./helpers/fleet-builds.js";
import { useGitHubDouble } from "./helpers/github-api-server.js";

const catalog = loadCatalog();
const ids = blueprintIds();
/** Add-ons whose values schema takes a `resources` object: the keys this test sets. */
const hasResources = (name: string) => ((catalog.addons.get(name)?.valuesSchema as { properties?: Record<string, { type?: string }> })?.properties?.resources?.type ?? "") === "object";
const isAddonObject = (object: Record<string, any>) => (object.kind === "HelmRelease" || object.kind === "Application") && catalog.addons.has(object.metadata?.name);

/** The add-ons a cluster's own files hold an object of (its HelmReleases or Applications). */
function addonsOf(dir: string, cluster: string): string[] {
  const paths = git(dir, "ls-files", `fleet/${cluster}`, `clusters/${cluster}`).split("\n").filter((path) => path.endsWith(".yaml"));
  return [...new Set(paths.flatMap((path) => objectsOf(read(dir, path))).filter(isAddonObject).map((object) => object.metadata.name as string))].sort();
}

describe.each(["flux", "argo"] as const)("update's pull request names the values a cluster keeps over its environment's (%s)", (engine) => {
  const TOKEN = "ghp_FleetKeptToken0123456789abcdefghijklmnop";
  const servers = useGitHubDouble(TOKEN);
  const { cli } = recordingCli({ GITHUB_TOKEN: TOKEN });
  const work = tempDir(`ccr-fleet-kept-${engine}-`);

  test("each kept key with the cluster's value and the environment's; a cluster that keeps none has no such section", async () => {
    const dir = join(work, "fleet");
    const [first, staged] = [ids[0]!, ids[1 % ids.length]!];
    expect((await cli(["-b", first, "-y", "--gitops", engine, "--set", "clusterName=prod", "--github", `octocat/kept-${engine}`, "--github-api-url", servers.api.url, dir])).status).toBe(0);
    expect((await cli(["add-cluster", "stg", "--blueprint", staged, dir])).status).toBe(0);
    git(dir, "checkout", "-q", "main");
    git(dir, "merge", "-q", "--ff-only", "create-cluster-repo/add-cluster-stg");

    const stagingPath = overlayPathOf("staging");
    const staging = parseOverlayFile(read(dir, stagingPath), stagingPath);
    const chosen = addonsOf(dir, "stg").filter(hasResources);
    expect(chosen.length).toBeGreaterThan(0);
    for (const name of chosen) staging.values.set(name, { resources: { limits: { memory: "321Mi" } } });
    writeFileSync(join(dir, stagingPath), renderOverlayFile("staging", staging));
    git(dir, "commit", "-qam", "staging sets its add-ons' memory limit");

    const valuesFile = join(work, `own-values-${engine}.yaml`);
    writeFileSync(valuesFile, stringify({ addons: Object.fromEntries(chosen.map((name) => [name, { values: { resources: { limits: { memory: "1Gi" } } } }])) }));
    const updated = await cli(["update", "--cluster", "stg", "--values", valuesFile, "--pr", "--github-api-url", servers.api.url, dir]);
    expect(updated.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
    expect(updated.status).toBe(0);
    const branch = git(dir, "rev-parse", "--abbrev-ref", "HEAD");
    const pull = servers.api.state().pulls.find((p) => p.head === branch || p.head.endsWith(`:${branch}`));
    expect(pull?.body).toContain("**Values `stg` keeps over `staging`'s**");
    for (const name of chosen) expect(pull?.body).toContain(`- \`${name}\`: \`resources.limits.memory\`: \`1Gi\` (\`staging\`: \`321Mi\`)\n`);

    // prod keeps nothing over production's (which sets no values): its pull request has no such section.
    git(dir, "checkout", "-q", "main");
    const plain = await cli(["update", "--cluster", "prod", "--set", "kubernetesVersion=1.35", "--pr", "--github-api-url", servers.api.url, dir]);
    expect(plain.status).toBe(0);
    const prodBranch = git(dir, "rev-parse", "--abbrev-ref", "HEAD");
    const prodPull = servers.api.state().pulls.find((p) => p.head === prodBranch || p.head.endsWith(`:${prodBranch}`));
    expect(prodPull?.body).toBeDefined();
    expect(prodPull?.body).not.toContain("keeps over");
    expect(servers.api.takeViolations()).toEqual([]);
  });
});
