/**
 * A forge is one file in src/forge/kinds/ registered in src/forge/registry.ts; everything else is derived from the
 * registry. These tests name what a new forge lacks, one piece each: its registration, the `forge` parameter's value,
 * its template set (CI files and the README's forge partials), its API double, and a render of every blueprint that
 * validates clean. Then Gitea, as a third forge written against the same interface in the test alone (helpers/
 * gitea-forge.ts), goes through the tool's own publishing: the interface is enough for a forge of GitHub's shape.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { forgeKinds, forges } from "../src/forge/registry.js";
import { resolveForge } from "../src/forge/resolve.js";
import { createClusterRepo } from "../src/pipeline.js";
import { publishRepository, pullRequestPublisher } from "../src/publish.js";
import { updateRepository } from "../src/update/apply.js";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";
import { GiteaForge, startGiteaApiServer, type GiteaApiServer } from "./helpers/gitea-forge.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";

/** The README partials every forge's template set provides (the common README places them). */
const FORGE_PARTIALS = ["forgeLayout", "forgePublish", "forgeCreateCluster", "forgeEveryChange", "terraformWorkflowSetup", "terraformPipeline"];

describe("every forge is complete", () => {
  test("every file of src/forge/kinds/ is registered in src/forge/registry.ts, under its own kind", () => {
    for (const file of readdirSync(join(repoRoot, "src/forge/kinds")).filter((name) => name.endsWith(".ts"))) {
      const kind = file.replace(/\.ts$/, "");
      expect(forgeKinds, `src/forge/kinds/${file}: add it to \`forges\` in src/forge/registry.ts`).toContain(kind);
      expect(forges[kind as keyof typeof forges].kind).toBe(kind);
    }
  });

  test("the forge parameter takes exactly the registered forges (blueprints/_common/params.schema.json)", () => {
    const schema = JSON.parse(readFileSync(join(repoRoot, "blueprints/_common/params.schema.json"), "utf8"));
    expect([...schema.properties.forge.enum].sort(), "set the enum of forge in blueprints/_common/params.schema.json to the registered forges").toEqual(forgeKinds);
  });

  test.each(forgeKinds)("%s: a template set with the README's forge partials, and an API double for its tests", (kind) => {
    for (const partial of FORGE_PARTIALS) {
      expect(existsSync(join(repoRoot, "templates/forge", kind, "_partials", `${partial}.hbs`)), `add templates/forge/${kind}/_partials/${partial}.hbs`).toBe(true);
    }
    expect(existsSync(join(repoRoot, "test/helpers", `${kind}-api-server.ts`)), `add test/helpers/${kind}-api-server.ts, a double of its API checked against its published description`).toBe(true);
  });

  test.each(blueprintIds().flatMap((id) => forgeKinds.map((kind) => [id, kind] as const)))("%s on %s renders, with that forge's CI only, and validates clean", async (blueprint, forge) => {
    const result = await createClusterRepo({ blueprint, targetDir: join(tempDir("ccr-forge-"), "repo"), params: { values: { forge, repoUrl: "https://git.example.org/acme/fleet.git" } }, dryRun: true });
    expect(result.report.valid).toBe(true);
    const scripts = forges[forge].ciScriptsDir;
    expect([...result.tree.keys()].filter((path) => path.startsWith(scripts))).toContain(`${scripts}/terraform-plan.cjs`);
    for (const other of forgeKinds.filter((kind) => kind !== forge)) expect([...result.tree.keys()].some((path) => path.startsWith(forges[other].ciScriptsDir))).toBe(false);
  });
});

describe("Gitea fits the interface: the tool publishes through a Gitea implementation of it", () => {
  const TOKEN = "gitea-test-token-0123456789abcdef0123";
  let git: GitHttpServer;
  let api: GiteaApiServer;
  beforeAll(async () => {
    git = await startGitHttpServer({ auth: { username: "x-access-token", password: TOKEN } });
    api = await startGiteaApiServer({ username: "gitea-admin", token: TOKEN, organizations: ["acme"], git });
  });
  afterEach(() => expect(api.takeViolations()).toEqual([]));
  afterAll(async () => {
    await api?.close();
    await git?.close();
  });

  test("create the repository in an organization, push main, then update --pr opens a pull request and a re-run updates it", async () => {
    const dir = join(tempDir("ccr-gitea-"), "fleet");
    // Gitea serves repositories as GitHub Enterprise does (<host>/<owner>/<repo>.git, API under the same origin).
    const endpoint = resolveForge("github", `${api.url}/api/v1`);
    const target = { endpoint, token: TOKEN, forge: new GiteaForge({ token: TOKEN, apiUrl: `${api.url}/api/v1` }), timeoutMs: 30_000 };
    await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: dir, params: { values: { repoUrl: `${api.url}/acme/fleet.git` } } });
    const published = await publishRepository(target, { dir, repo: "acme/fleet", private: true, prFirst: false });
    expect(published).toMatchObject({ created: true, url: `${api.url}/acme/fleet` });
    expect(execFileSync("git", ["-C", git.repoPath("acme/fleet"), "rev-parse", "main"], { encoding: "utf8" }).trim()).toBe(execFileSync("git", ["-C", dir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim());

    const pr = await pullRequestPublisher(target, dir);
    const first = await updateRepository(dir, { sets: [{ path: ["gpuPool", "maxSize"], raw: "3", source: "--set gpuPool.maxSize=3" }] }, { pr });
    expect(first.pullRequest).toMatchObject({ number: 1, created: true });
    const again = await updateRepository(dir, { sets: [{ path: ["gpuPool", "maxSize"], raw: "3", source: "--set gpuPool.maxSize=3" }] }, { pr });
    expect(again.pullRequest).toMatchObject({ number: 1, created: false });
    expect(api.pulls("acme/fleet")).toEqual([expect.objectContaining({ head: "create-cluster-repo/gpupool-maxsize-3", base: "main", title: "Update gpuPool.maxSize=3" })]);
    await target.forge.comment({ owner: "acme", repo: "fleet", number: 1, body: "a comment" });
    expect(api.comments("acme/fleet", 1)).toEqual(["a comment"]);
  });
});
