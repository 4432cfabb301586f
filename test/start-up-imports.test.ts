/**
 * What a command loads before it does its work is its start-up (issue 28, and issue 23 for validate).
 * `validate` runs on every pull request and on one file from an editor: what it loads before it reads a manifest is
 * its start-up (issue 23: under 0.15 s). Its static imports must not pull in the render pipeline (Handlebars and the
 * templates), git, or Ajv's compiler; those are loaded where a command or a file needs them. Read from esbuild's
 * metafile of the CLI bundle, the graph the bundle is made of.
 */
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { spawnCli, tempDir } from "./helpers/cli.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The modules reached from `entry` by static imports only, each with the chain that reaches it. */
async function staticClosure(entry: string): Promise<Map<string, string[]>> {
  const { metafile } = await build({ absWorkingDir: root, entryPoints: ["src/cli/cli-process.ts"], bundle: true, splitting: true, format: "esm", platform: "node", outdir: "out", write: false, metafile: true, logLevel: "silent", external: ["@cdktf/hcl2json", "@cdktf/hcl-tools"] });
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const imported of metafile.inputs[current]?.imports ?? []) {
      if (imported.kind === "dynamic-import" || imported.external || chains.has(imported.path)) continue;
      chains.set(imported.path, [...chains.get(current)!, imported.path]);
      queue.push(imported.path);
    }
  }
  return chains;
}

describe.each(["create", "plan", "check", "update"])("what %s loads", (command) => {
  // The build compiles every shipped template: binding them needs Handlebars' runtime, loaded on use
  // (src/generator/helpers.ts loadHandlebars); its compiler (parser, code generator, source maps) only for a template
  // the build did not compile.
  test("no Handlebars in its static imports", async () => {
    const closure = await staticClosure(`src/cli/commands/${command}.ts`);
    expect(closure.size).toBeGreaterThan(10);
    const handlebars = [...closure.keys()].filter((path) => path.includes("node_modules/handlebars/"));
    expect(handlebars.map((path) => closure.get(path)!.join(" -> "))).toEqual([]);
  });

  // The build compiles every shipped schema (parameters, rule options): Ajv itself (about 250 kB of the bundle) is
  // loaded only for a schema it did not compile (src/params/compiled-schemas.ts loadAjv).
  test("no Ajv compiler in its static imports", async () => {
    const closure = await staticClosure(`src/cli/commands/${command}.ts`);
    const ajv = [...closure.keys()].filter((path) => /node_modules\/(ajv\/dist\/(ajv|core)\.js|ajv-formats\/)/.test(path));
    expect(ajv.map((path) => closure.get(path)!.join(" -> "))).toEqual([]);
  });
});

// An up-to-date repository's plan, check and update run their git commands as plumbing (src/git/plumbing.ts) or read
// git's files (src/git/ref-files.ts): simple-git (with debug and tty) is loaded by the first command that needs it
// (src/git/client.ts gitAt), not by the import of the git modules.
describe.each(["plan", "check", "update"])("what %s loads", (command) => {
  test("no simple-git in its static imports", async () => {
    const closure = await staticClosure(`src/cli/commands/${command}.ts`);
    expect(closure.size).toBeGreaterThan(10);
    const git = [...closure.keys()].filter((path) => path.includes("node_modules/simple-git/"));
    expect(git.map((path) => closure.get(path)!.join(" -> "))).toEqual([]);
  });
});

describe("what validate loads before it reads a file", () => {
  test("no template engine, no git, no Ajv compiler, no update pipeline in its static imports", async () => {
    const closure = await staticClosure("src/cli/commands/validate.ts");
    expect(closure.size).toBeGreaterThan(10);
    const heavy = [...closure.keys()].filter((path) => /node_modules\/(handlebars|simple-git)\/|node_modules\/ajv\/dist\/ajv\.js$|^src\/update\/plan\.ts$|^src\/generator\/render\.ts$/.test(path));
    expect(heavy.map((path) => closure.get(path)!.join(" -> "))).toEqual([]);
  });

  // Each is loaded where a file needs it: the `yaml` library for a walked file that may be no manifest, a Flux
  // substitution, the actionlint configuration or fleet.yaml; the Terraform checks (and their diff library) for .tf
  // files. Together they were a quarter of the code a run on one small manifest compiled.
  test("no `yaml` library, no Terraform checks, no diff library in its static imports", async () => {
    const closure = await staticClosure("src/cli/commands/validate.ts");
    const heavy = [...closure.keys()].filter((path) => /node_modules\/(yaml|diff)\/|^src\/validators\/terraform\//.test(path));
    expect(heavy.map((path) => closure.get(path)!.join(" -> "))).toEqual([]);
  });

  // The bundle gives a CommonJS package imported on use as `default` only: the built CLI must still read with it.
  test("the built CLI reads with what it loads on use: a kustomization without apiVersion left out, runner labels from actionlint.yaml", async () => {
    const dir = tempDir("ccr-on-use-");
    mkdirSync(join(dir, "apps"));
    mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
    writeFileSync(join(dir, "apps", "kustomization.yaml"), "resources:\n  - cm.yaml\n");
    writeFileSync(join(dir, "apps", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n");
    writeFileSync(join(dir, ".github", "workflows", "ci.yml"), "on: push\njobs:\n  a:\n    runs-on: gpu-runner\n    steps:\n      - run: echo hi\n");
    writeFileSync(join(dir, ".github", "actionlint.yaml"), "self-hosted-runner:\n  labels: [gpu-runner]\n");
    const run = await spawnCli(["validate", "-o", "json", "."], { cwd: dir, env: { GITHUB_BASE_REF: "" } });
    const report = JSON.parse(run.stdout) as { summary: { resources: number; leftOut?: number }; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.summary).toMatchObject({ resources: 1, leftOut: 1 });
    expect(run.status).toBe(0);
  });
});

// `create` runs two git commands on a new repository (init, one config read) and writes the commit itself
// (src/git/first-commit.ts): it runs them without simple-git (src/git/client.ts gitCommand), whose loading (with debug
// and tty) was a tenth of its CPU time; plan, check and update of the repository it made need none either. Checked
// on the built CLI: a preloaded hook lists every script compiled through node:vm (the code cache's way of loading the
// bundle's vendored packages) and every module Node's loader loaded.
describe("what the built CLI loads", () => {
  test("create of a new repository, and plan, check and update in it, load no simple-git", async () => {
    const dir = tempDir("ccr-git-loads-");
    const out = join(dir, "loaded.json");
    const hook = join(dir, "list-scripts.cjs");
    writeFileSync(hook, `const vm = require("node:vm");
const scripts = [];
const Script = vm.Script;
vm.Script = class extends Script { constructor(source, options) { super(source, options); scripts.push(String(options?.filename)); } };
process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify([...scripts, ...Object.keys(require.cache)])));
`);
    const env = { NODE_OPTIONS: `--require ${hook}` };
    const loaded = () => JSON.parse(readFileSync(out, "utf8")) as string[];
    const blueprint = blueprintIds()[0]!;
    const repo = join(dir, "repo");
    const create = await spawnCli(["--blueprint", blueprint, "--yes", "--set", `repoUrl=https://github.com/example/${blueprint}.git`, repo], { env });
    expect(create.status, create.stderr).toBe(0);
    expect(loaded().some((path) => path.endsWith("cli.cjs"))).toBe(true); // the hook sees the bundle itself
    expect(loaded().filter((path) => /[\\/]simple-git[\\/.]/.test(path))).toEqual([]);
    for (const command of ["plan", "check", "update"]) {
      writeFileSync(out, "[]");
      const run = await spawnCli([command], { cwd: repo, env });
      expect(run.status, run.stderr).toBe(0);
      expect(loaded().filter((path) => /[\\/]simple-git[\\/.]/.test(path)), command).toEqual([]);
    }
  }, 120_000);
});
