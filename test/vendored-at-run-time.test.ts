/**
 * The CLI bundle vendors its large CommonJS packages (scripts/bundle-cli.mjs) and loads each of them through the code
 * cache, once per process. A module that requires one of them by name at run time gets a second copy from
 * node_modules instead, which Node's loader reads and compiles module by module on every run (issue 28: `yaml`, for
 * the line of a Pod Security finding later dropped for its privileged namespace, was about 60 ms of a plan). Checked
 * on the built CLI with a preloaded hook that lists, as the process exits, what Node's loader loaded from those packages.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { spawnCli, tempDir } from "./helpers/cli.js";

const VENDORED = ["yaml", "simple-git", "js-yaml", "diff", "handlebars"];

/**
 * A `--require` hook writing the modules of the vendored packages in Node's module cache to `out` at exit (their
 * package.json files, read for a version, are data).
 */
function loaderHook(dir: string, out: string): string {
  const file = join(dir, "list-loaded.cjs");
  const pattern = `[\\\\/]node_modules[\\\\/](${VENDORED.join("|")})[\\\\/]`;
  writeFileSync(file, `process.on("exit", () => {
  const loaded = Object.keys(require.cache).filter((path) => new RegExp(${JSON.stringify(pattern)}).test(path) && /\\.[cm]?js$/.test(path));
  require("node:fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify(loaded));
});
`);
  return file;
}

describe.each(blueprintIds())("%s", (blueprint) => {
  test("create and plan load no second copy of a package the bundle vendors", async () => {
    const dir = tempDir("ccr-vendored-");
    const out = join(dir, "loaded.json");
    const env = { NODE_OPTIONS: `--require ${loaderHook(dir, out)}` };
    const repo = join(dir, "repo");
    const create = await spawnCli(["--blueprint", blueprint, "--yes", "--set", `repoUrl=https://github.com/example/${blueprint}.git`, repo], { env });
    expect(create.status, create.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual([]);
    writeFileSync(out, "not written");
    const plan = await spawnCli(["plan"], { cwd: repo, env });
    expect(plan.status, plan.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual([]);
  });
});
